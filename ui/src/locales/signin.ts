export default {
  'zh-CN': {
    signin: {
      title: '登录客诉台', login: '账号', password: '密码', submit: '登录', unlockTitle: '屏幕已锁定',
      unlockHint: '{name}，请输入密码解锁', unlock: '解锁', switchUser: '切换用户',
      setupTitle: '首次使用：设置管理员密码', setupHint: '这是新的本地数据库，请为系统管理员（账号 admin）设置密码。',
      password2: '再次输入密码', mismatch: '两次输入的密码不一致', demo: '同时载入演示数据（约1000条投诉，便于试用）',
      setupSubmit: '完成设置', demoHint: '演示账号：cs01（客服专员）、manager（客服经理）、hs01（家政服务部）、audit（审计员），密码均为 {pw}',
      database: '数据库：{path}', settingUp: '正在初始化，请稍候…',
    },
  },
  'zh-TW': {
    signin: {
      title: '登入客訴台', login: '帳號', password: '密碼', submit: '登入', unlockTitle: '螢幕已鎖定',
      unlockHint: '{name}，請輸入密碼解鎖', unlock: '解鎖', switchUser: '切換使用者',
      setupTitle: '首次使用：設定管理員密碼', setupHint: '這是新的本機資料庫，請為系統管理員（帳號 admin）設定密碼。',
      password2: '再次輸入密碼', mismatch: '兩次輸入的密碼不一致', demo: '同時載入示範資料（約1000筆投訴，便於試用）',
      setupSubmit: '完成設定', demoHint: '示範帳號：cs01（客服專員）、manager（客服經理）、hs01（家政服務部）、audit（稽核員），密碼皆為 {pw}',
      database: '資料庫：{path}', settingUp: '正在初始化，請稍候…',
    },
  },
  en: {
    signin: {
      title: 'Sign in to Complaint Desk', login: 'Login', password: 'Password', submit: 'Sign in', unlockTitle: 'Screen locked',
      unlockHint: '{name}, enter your password to unlock', unlock: 'Unlock', switchUser: 'Switch user',
      setupTitle: 'First run: set the administrator password', setupHint: 'This is a new local database. Choose a password for the administrator (login admin).',
      password2: 'Repeat the password', mismatch: 'The passwords differ', demo: 'Also load demo data (about 1,000 complaints, to try things out)',
      setupSubmit: 'Finish set-up', demoHint: 'Demo accounts: cs01 (CS agent), manager (CS manager), hs01 (home service dept.), audit (auditor); password {pw}',
      database: 'Database: {path}', settingUp: 'Setting up, please wait…',
    },
  },
  es: {
    signin: {
      title: 'Entrar en Mesa de Quejas', login: 'Usuario', password: 'Contraseña', submit: 'Entrar', unlockTitle: 'Pantalla bloqueada',
      unlockHint: '{name}, introduzca su contraseña para desbloquear', unlock: 'Desbloquear', switchUser: 'Cambiar de usuario',
      setupTitle: 'Primer uso: contraseña del administrador', setupHint: 'Esta es una base de datos local nueva. Elija una contraseña para el administrador (usuario admin).',
      password2: 'Repita la contraseña', mismatch: 'Las contraseñas no coinciden', demo: 'Cargar también datos de demostración (unas 1.000 quejas)',
      setupSubmit: 'Terminar', demoHint: 'Cuentas de demostración: cs01 (agente), manager (jefe de atención), hs01 (dpto. de servicio doméstico), audit (auditor); contraseña {pw}',
      database: 'Base de datos: {path}', settingUp: 'Configurando, espere…',
    },
  },
}
