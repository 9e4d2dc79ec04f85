import { createRouter, createWebHashHistory } from 'vue-router'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/board' },
    { path: '/intake', name: 'intake', component: () => import('./views/Intake.vue') },
    { path: '/board', name: 'board', component: () => import('./views/Board.vue') },
    { path: '/complaint/:id', name: 'complaint', component: () => import('./views/Detail.vue'), props: true },
    { path: '/survey', name: 'survey', component: () => import('./views/Survey.vue') },
    { path: '/escalations', name: 'escalations', component: () => import('./views/Escalations.vue') },
    { path: '/settings', name: 'settings', component: () => import('./views/Settings.vue') },
    { path: '/dashboard', name: 'dashboard', component: () => import('./views/Dashboard.vue') },
    { path: '/reports', name: 'reports', component: () => import('./views/Reports.vue') },
    { path: '/cases', name: 'cases', component: () => import('./views/Cases.vue') },
    { path: '/imports', name: 'imports', component: () => import('./views/Imports.vue') },
  ],
})
