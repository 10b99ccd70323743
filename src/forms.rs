//! Form input as services accept it: per-field messages that a page shows beside each field,
//! and the text checks every free-text field passes before it can reach the database.

/// Messages keyed by form field name, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn single(field: &'static str, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The message for `field`, if it has one (templates call this beside each field).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no field had a problem.
    pub fn or_ok<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// A trimmed free-text field of at most `max_chars` characters. Control characters (NUL,
/// newlines in one-line fields) and the replacement character left by invalid UTF-8 are
/// refused rather than stored, so what the database holds is what the shopper typed.
pub fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
    max_chars: usize,
    required: bool,
) -> String {
    let value = raw.trim();
    if value
        .chars()
        .any(|c| c.is_control() || c == char::REPLACEMENT_CHARACTER)
    {
        errors.add(
            field,
            format!("{label} contains characters we cannot accept."),
        );
    } else if value.chars().count() > max_chars {
        errors.add(
            field,
            format!("{label} can be at most {max_chars} characters."),
        );
    } else if required && value.is_empty() {
        errors.add(field, format!("Please enter {}.", label.to_lowercase()));
    }
    value.to_owned()
}

/// `text` for a field that may hold several lines (a description, a note): line breaks and
/// tabs are kept, anything else `text` refuses is refused; Windows line ends become `\n`.
pub fn paragraphs(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
    max_chars: usize,
) -> String {
    let flattened: String = raw
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    text(errors, field, label, &flattened, max_chars, false);
    raw.trim().replace("\r\n", "\n")
}

/// A person's first name (required) and last name (optional), as every account form asks them.
pub fn names(errors: &mut FieldErrors, first_name: &str, last_name: &str) -> (String, String) {
    (
        text(errors, "first_name", "First name", first_name, 100, true),
        text(errors, "last_name", "Last name", last_name, 100, false),
    )
}

/// An optional one-line field: `None` when left empty.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
    max_chars: usize,
) -> Option<String> {
    Some(text(errors, field, label, raw, max_chars, false)).filter(|v| !v.is_empty())
}

/// A telephone number: digits with the usual separators, 32 characters at most.
pub fn phone(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Option<String> {
    let value = optional_text(errors, field, "Phone", raw, 32)?;
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    if !value.chars().all(allowed) || !value.chars().any(|c| c.is_ascii_digit()) {
        errors.add(
            field,
            "Please enter a phone number using digits, spaces, +, -, ( and ).",
        );
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_checked() {
        let mut errors = FieldErrors::default();
        assert_eq!(text(&mut errors, "a", "Name", "  Ann ", 10, true), "Ann");
        assert!(errors.is_empty());
        text(&mut errors, "b", "Name", "", 10, true);
        text(&mut errors, "c", "Name", "x\0y", 10, true);
        text(&mut errors, "d", "Name", "bad \u{fffd}", 10, true);
        text(&mut errors, "e", "Name", &"x".repeat(11), 10, true);
        assert_eq!(errors.get("b"), Some("Please enter name."));
        for field in ["c", "d", "e"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert_eq!(optional_text(&mut errors, "f", "Line", "   ", 10), None);
    }

    #[test]
    fn phones_are_digits_and_separators() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            phone(&mut errors, "p", "+1 (555) 010-2000").as_deref(),
            Some("+1 (555) 010-2000")
        );
        assert!(errors.is_empty());
        phone(&mut errors, "p", "call me");
        assert!(errors.get("p").is_some());
    }
}
