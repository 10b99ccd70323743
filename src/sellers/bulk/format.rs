//! The product CSV as sellers see it: one row per variant, the same ten columns on export and
//! import, so a file exported and imported again changes nothing. Each row is read once here
//! into a checked `Row`; what needs the database (categories, SKUs, products) is checked by
//! `plan`.

use std::collections::BTreeMap;

use crate::catalog::ProductStatus;
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::sellers::fields::{MAX_NAME_CHARS, MAX_SKU_CHARS, multiline, price, status, units};

/// The header row, in order.
pub const COLUMNS: [&str; 10] = [
    "product_slug",
    "product_name",
    "category",
    "description",
    "status",
    "sku",
    "variant_name",
    "options",
    "price",
    "stock",
];

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 100_000;

/// One variant's row, checked on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row's number as a spreadsheet shows it: the header is row 1.
    pub number: usize,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub status: ProductStatus,
    pub sku: String,
    pub variant_name: String,
    /// Option name → value, e.g. Size → M.
    pub options: BTreeMap<String, String>,
    pub price: Money,
    pub stock: i32,
}

impl Row {
    /// The key of the product this row belongs to within the file: its address, or for a new
    /// product (no address) its name.
    pub fn product_key(&self) -> String {
        if self.slug.is_empty() {
            format!("name:{}", self.name)
        } else {
            format!("slug:{}", self.slug)
        }
    }
}

/// A problem with one row, by row number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub message: String,
}

/// A file read into rows: the rows that read cleanly and the problems of the others.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub errors: Vec<RowError>,
}

impl Parsed {
    pub fn total(&self) -> usize {
        self.rows.len() + self.errors.len()
    }
}

/// Reads a whole file. A wrong header or a file that is not CSV is one message for the whole
/// file; a bad row is a message on that row, and the other rows are still read.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| "The file could not be read as CSV.".to_owned())?;
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    if names != COLUMNS {
        return Err(format!(
            "The first row must name the columns {}.",
            COLUMNS.join(",")
        ));
    }
    let mut parsed = Parsed::default();
    for (index, record) in reader.records().enumerate() {
        let number = index + 2;
        if parsed.total() >= MAX_ROWS {
            return Err(format!("A file can hold at most {MAX_ROWS} rows."));
        }
        let record = match record {
            Ok(record) => record,
            Err(_) => {
                parsed.errors.push(RowError {
                    row: number,
                    message: "This row could not be read as CSV.".into(),
                });
                continue;
            }
        };
        if record.len() != COLUMNS.len() {
            parsed.errors.push(RowError {
                row: number,
                message: format!(
                    "This row has {} columns; every row has {}.",
                    record.len(),
                    COLUMNS.len()
                ),
            });
            continue;
        }
        let cells: Vec<String> = record.iter().map(undefuse).collect();
        match row(number, &cells) {
            Ok(row) => parsed.rows.push(row),
            Err(message) => parsed.errors.push(RowError {
                row: number,
                message,
            }),
        }
    }
    if parsed.total() == 0 {
        return Err("The file has no rows below its header.".into());
    }
    Ok(parsed)
}

/// One row's cells, checked with the same field rules as the product forms.
fn row(number: usize, cells: &[String]) -> Result<Row, String> {
    let mut e = FieldErrors::default();
    let slug = cells[0].trim().to_owned();
    let name = forms::text(
        &mut e,
        "product_name",
        "Product name",
        &cells[1],
        MAX_NAME_CHARS,
        true,
    );
    let category = cells[2].trim().to_owned();
    if category.is_empty() {
        e.add("category", "Please give the category's slug.");
    }
    let description = multiline(&mut e, "description", &cells[3]);
    let status = status(&mut e, "status", &cells[4]);
    let sku = forms::text(&mut e, "sku", "SKU", &cells[5], MAX_SKU_CHARS, true);
    if !sku
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        e.add("sku", "SKUs use letters, digits, '-', '_' and '.' only.");
    }
    let variant_name = forms::text(
        &mut e,
        "variant_name",
        "Variant name",
        &cells[6],
        MAX_NAME_CHARS,
        false,
    );
    let options = options(&cells[7]).unwrap_or_else(|message| {
        e.add("options", message);
        BTreeMap::new()
    });
    let price = price(&mut e, "price", &cells[8]);
    let stock = units(&mut e, "stock", &cells[9], 0);
    let row = Row {
        number,
        slug,
        name,
        category,
        description,
        status,
        sku,
        variant_name,
        options,
        price,
        stock,
    };
    e.or_ok(row).map_err(|errors| message_of(&errors))
}

/// A row's messages, each after its column's name.
fn message_of(errors: &FieldErrors) -> String {
    COLUMNS
        .iter()
        .filter_map(|column| errors.get(column).map(|m| format!("{column}: {m}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Size=M; Colour=Red` as option name → value.
pub fn options(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut options = BTreeMap::new();
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("{pair:?} should read Name=Value."));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || value.is_empty() || value.contains('=') {
            return Err(format!("{pair:?} should read Name=Value."));
        }
        if key.chars().chain(value.chars()).any(char::is_control) {
            return Err("Options cannot hold control characters.".into());
        }
        if options.insert(key.to_owned(), value.to_owned()).is_some() {
            return Err(format!("The option {key} is given twice."));
        }
    }
    Ok(options)
}

/// Options as written in the file: `Colour=Red; Size=M`.
pub fn options_text(options: &BTreeMap<String, String>) -> String {
    options
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Options as `product_variants.options` stores them: a JSON object.
pub fn options_json(options: &BTreeMap<String, String>) -> String {
    serde_json::to_string(options).unwrap_or_else(|_| "{}".into())
}

/// The stored JSON object read back; a value that is not text is kept as its JSON.
pub fn options_from_json(json: &str) -> BTreeMap<String, String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(json) else {
        return BTreeMap::new();
    };
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

/// A cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) is written with a leading apostrophe, which spreadsheets show as text.
pub fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// `defuse` undone on import: the apostrophe goes only where `defuse` would have put one.
pub fn undefuse(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "product_slug,product_name,category,description,status,sku,variant_name,options,price,stock\n";

    #[test]
    fn a_good_row_reads_into_its_fields() {
        let file = format!(
            "{HEADER}lamp-1,Desk lamp,lighting,Brass,active,LAMP-1,Large,Size=L; Colour=Red,12.50,7\n"
        );
        let parsed = parse(&file).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let row = &parsed.rows[0];
        assert_eq!(row.number, 2);
        assert_eq!(row.price, Money::from_minor(1250));
        assert_eq!(row.stock, 7);
        assert_eq!(options_text(&row.options), "Colour=Red; Size=L");
        assert_eq!(options_json(&row.options), r#"{"Colour":"Red","Size":"L"}"#);
    }

    #[test]
    fn bad_rows_are_named_by_number_and_the_rest_still_read() {
        let file = format!(
            "{HEADER},Lamp,lighting,,active,OK-1,,,1.00,1\n,Lamp,lighting,,active,BAD SKU,,,abc,-3\n,Lamp,x\n"
        );
        let parsed = parse(&file).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.errors[0].row, 3);
        assert!(
            parsed.errors[0].message.contains("sku:"),
            "{:?}",
            parsed.errors
        );
        assert!(parsed.errors[0].message.contains("price:"));
        assert!(parsed.errors[0].message.contains("stock:"));
        assert!(parsed.errors[1].message.contains("columns"));
    }

    #[test]
    fn a_wrong_header_or_an_empty_file_is_refused_whole() {
        assert!(parse("name,price\nx,1\n").is_err());
        assert!(parse(HEADER).is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn options_need_name_and_value_once_each() {
        assert!(options("Size").is_err());
        assert!(options("Size=M; Size=L").is_err());
        assert!(options("=M").is_err());
        assert_eq!(options(" ; ").unwrap().len(), 0);
        let json = options_json(&options("Size=M").unwrap());
        assert_eq!(options_from_json(&json), options("Size=M").unwrap());
        assert!(options_from_json("not json").is_empty());
    }

    #[test]
    fn formulas_are_defused_on_export_and_restored_on_import() {
        for cell in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let written = defuse(cell);
            assert!(written.starts_with('\''), "{cell:?}");
            assert_eq!(undefuse(&written), cell);
        }
        assert_eq!(defuse("plain"), "plain");
        assert_eq!(undefuse("'quoted"), "'quoted");
    }
}
