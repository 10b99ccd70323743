//! The category forms as posted, checked once at the edge: a name (and the slug it gives) and
//! a parent.

use serde::Deserialize;

use crate::catalog::slug::slug;
use crate::forms::{self, FieldErrors};

/// The create and edit forms as posted: a name and a parent id ("" for the top level).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CategoryInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub parent: String,
    /// The category's version when the edit page was opened (`edits`); empty on the new form.
    #[serde(default)]
    pub version: String,
}

/// A checked name with the slug it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub name: String,
    pub slug: String,
}

impl Name {
    pub fn parse(raw: &str) -> Result<Name, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = forms::text(&mut errors, "name", "Name", raw, 100, true);
        let slug = slug(&name);
        if errors.is_empty() && slug.is_empty() {
            errors.add("name", "The name needs at least one letter or digit.");
        }
        errors.or_ok(Name { name, slug })
    }
}

/// A parent field: empty for the top level, else a category id.
pub fn parse_parent(raw: &str) -> Result<Option<i64>, FieldErrors> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(Some(id)),
        _ => Err(FieldErrors::single(
            "parent",
            "Choose a parent from the list.",
        )),
    }
}

/// The new-category form, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCategory {
    pub name: Name,
    pub parent_id: Option<i64>,
}

impl NewCategory {
    pub fn parse(input: &CategoryInput) -> Result<NewCategory, FieldErrors> {
        let name = Name::parse(&input.name);
        let parent = parse_parent(&input.parent);
        match (name, parent) {
            (Ok(name), Ok(parent_id)) => Ok(NewCategory { name, parent_id }),
            (name, parent) => {
                let mut errors = FieldErrors::default();
                for failed in [name.err(), parent.err()].into_iter().flatten() {
                    for field in ["name", "parent"] {
                        if let Some(message) = failed.get(field) {
                            errors.add(field, message);
                        }
                    }
                }
                Err(errors)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, parent: &str) -> CategoryInput {
        CategoryInput {
            name: name.into(),
            parent: parent.into(),
            ..CategoryInput::default()
        }
    }

    #[test]
    fn a_name_gives_its_slug() {
        let new = NewCategory::parse(&input("  Home & Garden ", "")).unwrap();
        assert_eq!(new.name.name, "Home & Garden");
        assert_eq!(new.name.slug, "home-garden");
        assert_eq!(new.parent_id, None);
        assert_eq!(
            NewCategory::parse(&input("Lamps", "7")).unwrap().parent_id,
            Some(7)
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let errors = NewCategory::parse(&input("!!!", "x")).unwrap_err();
        assert!(errors.get("name").unwrap().contains("letter or digit"));
        assert!(errors.get("parent").is_some());
        assert!(
            NewCategory::parse(&input("", ""))
                .unwrap_err()
                .get("name")
                .is_some()
        );
        assert!(NewCategory::parse(&input("a\u{0}b", "")).is_err());
        assert!(NewCategory::parse(&input(&"x".repeat(101), "")).is_err());
        assert!(parse_parent("-3").is_err());
        assert!(parse_parent("0").is_err());
    }
}
