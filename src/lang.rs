//! The language a document or a report is printed in. It sits at the bottom because the
//! documents, the reports and the lifecycle all print in it, and none of them should import
//! another to name a language.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The language a document is printed in (the app's four).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "es")]
    Es,
}

impl Lang {
    pub const ALL: &'static [Lang] = &[Lang::ZhCn, Lang::ZhTw, Lang::En, Lang::Es];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim();
        Lang::ALL.iter().copied().find(|l| l.as_str().eq_ignore_ascii_case(s))
    }

    pub fn is_chinese(self) -> bool {
        matches!(self, Lang::ZhCn | Lang::ZhTw)
    }
}
