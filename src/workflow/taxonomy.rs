//! Sub-categories of the four content categories (R2.3: "Sub-categories are configurable"). They
//! are suggestions for the intake form and the reports, kept as settings; a complaint stores the
//! sub-category as text, so renaming one later never rewrites history.

use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{text, Ctx};
use crate::error::{CoreError, Result};
use crate::model::Category;

/// The shipped defaults, taken from the rule book's examples (R2.3).
pub fn defaults(c: Category) -> &'static [&'static str] {
    match c {
        Category::Business => &["合同", "价格", "结算", "排班"],
        Category::Service => &["服务态度", "服务质量", "守时/爽约", "财物损坏", "安全", "隐私", "专业技能"],
        Category::Comprehensive => &["客服响应", "其他"],
        Category::Other => &["其他"],
    }
}

fn key(c: Category) -> String {
    format!("sub_categories.{}", c.as_str())
}

/// The sub-categories of each of the four categories (R2.3), one field per category so the
/// window's pickers cannot ask for a category that does not exist. Fields in the order the
/// reply has always had (alphabetical).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct SubCategories {
    pub business: Vec<String>,
    pub comprehensive: Vec<String>,
    pub other: Vec<String>,
    pub service: Vec<String>,
}

impl SubCategories {
    fn of_mut(&mut self, c: Category) -> &mut Vec<String> {
        match c {
            Category::Business => &mut self.business,
            Category::Comprehensive => &mut self.comprehensive,
            Category::Other => &mut self.other,
            Category::Service => &mut self.service,
        }
    }
}

/// One category's list as stored by `set_sub_categories`: trimmed and without duplicates.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SubCategoriesSet {
    pub category: Category,
    pub items: Vec<String>,
}

/// Every category with its sub-categories (configured, or the defaults).
pub fn sub_categories(ctx: &Ctx) -> Result<SubCategories> {
    ctx.begin(None)?;
    let mut out = SubCategories::default();
    for c in Category::ALL {
        let stored: Option<String> =
            ctx.conn.query_row("SELECT value FROM settings WHERE key = ?1", params![key(*c)], |r| r.get(0)).optional()?;
        let list: Vec<String> = match stored.and_then(|s| serde_json::from_str(&s).ok()) {
            Some(v) => v,
            None => defaults(*c).iter().map(|s| s.to_string()).collect(),
        };
        *out.of_mut(*c) = list;
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSubCategoriesArgs {
    pub category: Category,
    pub items: Vec<String>,
}

pub fn set_sub_categories(ctx: &Ctx, a: &SetSubCategoriesArgs) -> Result<SubCategoriesSet> {
    ctx.begin(None)?;
    if a.items.len() > 100 {
        return Err(CoreError::invalid("items", "too_many"));
    }
    let mut items: Vec<String> = Vec::new();
    for i in &a.items {
        let v = text("items", i, true, 100)?;
        if !items.contains(&v) {
            items.push(v);
        }
    }
    let v = serde_json::to_string(&items).map_err(|e| CoreError::BadArguments(e.to_string()))?;
    ctx.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key(a.category), v],
    )?;
    ctx.event(None, "setting_changed", json!({ "key": key(a.category), "to": items }))?;
    Ok(SubCategoriesSet { category: a.category, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::Utc;

    #[test]
    fn sub_categories_default_then_configured() {
        // R2.3: sub-categories are configurable by an administrator.
        let mut store = Store::open_in_memory().unwrap();
        let now = Utc::now();
        crate::workflow::settings::init_defaults(&store.conn, now).unwrap();
        let v = crate::api::call(&mut store, now, "admin", "sub_categories", json!({})).unwrap();
        assert!(v["service"].as_array().unwrap().iter().any(|s| s == "守时/爽约"), "defaults come from the rule book");
        crate::api::call(
            &mut store,
            now,
            "admin",
            "set_sub_categories",
            json!({"category": "service", "items": ["漏水", " 漏水 ", "迟到"]}),
        )
        .unwrap();
        let v = crate::api::call(&mut store, now, "admin", "sub_categories", json!({})).unwrap();
        assert_eq!(v["service"], json!(["漏水", "迟到"]), "trimmed and de-duplicated");
        let e =
            crate::api::call(&mut store, now, "admin", "set_sub_categories", json!({"category": "service", "items": [""]})).unwrap_err();
        assert_eq!(e.code, "invalid");
    }
}
