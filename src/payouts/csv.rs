//! A statement as CSV (RFC 4180): a header row, one row per line, then the totals.

use super::Statement;

const HEADER: [&str; 8] = [
    "order",
    "product",
    "variant",
    "quantity",
    "sales_before_tax",
    "refunded_before_tax",
    "commission",
    "net",
];

/// The order column of a line whose order was archived (src/archive.rs).
const ARCHIVED: &str = "archived";

impl Statement {
    /// The statement's CSV. Amounts are plain decimals (`12.30`); text fields are quoted when
    /// they hold a comma, quote or line break, and text that a spreadsheet would run as a
    /// formula (starting with `=`, `+`, `-` or `@`) is prefixed with `'`.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        row(&mut out, HEADER.iter().map(|h| h.to_string()));
        for line in &self.lines {
            let [order, product, variant, quantity] = match &line.ordered {
                Some(o) => [
                    text(&o.order_number),
                    text(&o.product_name),
                    text(&o.variant_name),
                    o.quantity.to_string(),
                ],
                None => [
                    ARCHIVED.to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            };
            row(
                &mut out,
                [
                    order,
                    product,
                    variant,
                    quantity,
                    line.sales.plain(),
                    line.refunded.plain(),
                    line.commission.plain(),
                    line.net().plain(),
                ],
            );
        }
        let payout = &self.row.payout;
        row(
            &mut out,
            [
                "total".to_owned(),
                String::new(),
                String::new(),
                self.lines
                    .iter()
                    .filter_map(|l| l.ordered.as_ref())
                    .map(|o| i64::from(o.quantity))
                    .sum::<i64>()
                    .to_string(),
                self.sales().plain(),
                self.refunded().plain(),
                payout.commission.plain(),
                payout.net.plain(),
            ],
        );
        out
    }
}

fn row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields.into_iter().map(|f| quoted(&f)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// Text that a spreadsheet would read as a formula is kept as text.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_formulas_are_quoted_or_defused() {
        assert_eq!(quoted("plain"), "plain");
        assert_eq!(quoted("a, b"), "\"a, b\"");
        assert_eq!(quoted("12\" \"ruler\""), "\"12\"\" \"\"ruler\"\"\"");
        assert_eq!(quoted("two\nlines"), "\"two\nlines\"");
        assert_eq!(text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text("Mug"), "Mug");
    }
}
