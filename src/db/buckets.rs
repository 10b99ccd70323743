//! Timestamps cut down to the day, week or month they fall in, for reports grouped in the
//! database. The two backends spell this differently (PostgreSQL's `date_trunc`, SQLite's
//! `strftime`/`date` modifiers), so the expression writes each backend's own SQL; both give the
//! first day of the period as `YYYY-MM-DD` text, which sorts in time order. Weeks start on
//! Monday (ISO 8601) on both.

use diesel::expression::{
    AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate,
};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// The length of one period of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Week,
    Month,
}

/// The first day (`YYYY-MM-DD`, UTC) of the `granularity` period holding the timestamp `expr`.
pub fn period_start<E: Expression>(granularity: Granularity, expr: E) -> PeriodStart<E> {
    PeriodStart { granularity, expr }
}

#[derive(Debug, Clone, Copy)]
pub struct PeriodStart<E> {
    granularity: Granularity,
    expr: E,
}

/// The SQL depends on the granularity, a value: no statement cache key can be derived from the
/// type alone.
impl<E> QueryId for PeriodStart<E> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<E: Expression> Expression for PeriodStart<E> {
    type SqlType = Text;
}

impl<E: QueryFragment<Pg>> QueryFragment<Pg> for PeriodStart<E> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        // Timestamps are stored as TIMESTAMPTZ and meant in UTC; the period is the UTC one.
        let unit = match self.granularity {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        };
        out.push_sql("to_char(date_trunc('");
        out.push_sql(unit);
        out.push_sql("', ");
        self.expr.walk_ast(out.reborrow())?;
        out.push_sql(" AT TIME ZONE 'UTC'), 'YYYY-MM-DD')");
        Ok(())
    }
}

impl<E: QueryFragment<Sqlite>> QueryFragment<Sqlite> for PeriodStart<E> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> diesel::QueryResult<()> {
        // Timestamps are stored as UTC text. `%w` is 0 on Sunday: (w + 6) % 7 days back is Monday.
        match self.granularity {
            Granularity::Day => {
                out.push_sql("date(");
                self.expr.walk_ast(out.reborrow())?;
                out.push_sql(")");
            }
            Granularity::Week => {
                out.push_sql("date(");
                self.expr.walk_ast(out.reborrow())?;
                out.push_sql(", '-' || ((CAST(strftime('%w', ");
                self.expr.walk_ast(out.reborrow())?;
                out.push_sql(") AS INTEGER) + 6) % 7) || ' days')");
            }
            Granularity::Month => {
                out.push_sql("strftime('%Y-%m-01', ");
                self.expr.walk_ast(out.reborrow())?;
                out.push_sql(")");
            }
        }
        Ok(())
    }
}

impl<E> QueryFragment<MultiBackend> for PeriodStart<E>
where
    Self: QueryFragment<Pg> + QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> diesel::QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

/// A period is grouped on itself, never aggregated: a query selects it beside aggregates and
/// groups by it.
impl<E, GroupBy> ValidGrouping<GroupBy> for PeriodStart<E> {
    type IsAggregate = is_aggregate::Never;
}

impl<E, QS> AppearsOnTable<QS> for PeriodStart<E>
where
    E: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<E, QS> SelectableExpression<QS> for PeriodStart<E>
where
    E: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}
