//! SQL that diesel does not write as the shop needs it, as typed diesel expressions: what the two
//! backends write differently, and constants written into a statement instead of bound.

use std::marker::PhantomData;

use diesel::RunQueryDsl;
use diesel::backend::Backend;
use diesel::expression::{
    AppearsOnTable, Expression, SelectableExpression, TypedExpressionType, ValidGrouping,
    is_aggregate,
};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, SqlType};

/// `SUM(expr)` read as a BIGINT on both backends: PostgreSQL sums a BIGINT into a NUMERIC,
/// which the cast brings back. NULL when there is nothing to sum.
pub fn sum_bigint<E: Expression>(expr: E) -> SumBigInt<E> {
    SumBigInt(expr)
}

#[derive(Debug, Clone, Copy, QueryId)]
pub struct SumBigInt<E>(E);

impl<E: Expression> Expression for SumBigInt<E> {
    type SqlType = Nullable<BigInt>;
}

impl<E, DB> QueryFragment<DB> for SumBigInt<E>
where
    DB: Backend,
    E: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        out.push_sql("CAST(SUM(");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") AS BIGINT)");
        Ok(())
    }
}

impl<E, GroupBy> ValidGrouping<GroupBy> for SumBigInt<E> {
    type IsAggregate = is_aggregate::Yes;
}

impl<E, QS> AppearsOnTable<QS> for SumBigInt<E>
where
    E: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<E, QS> SelectableExpression<QS> for SumBigInt<E>
where
    E: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

/// A whole number written into the statement's text instead of bound as a parameter.
///
/// PostgreSQL plans a prepared statement for its parameters' values on each of its first five
/// runs, then keeps one generic plan only if that plan's estimated cost is no higher than
/// theirs. The generic plan does not know its parameters: it takes a bound `LIMIT` to keep a
/// tenth of the candidate rows and a bound `rating_count > $1` to keep a third, so a listing
/// (`ORDER BY … LIMIT $n`) never looks as cheap as it is and is planned again on every run,
/// which was a third of the database's work on the home page (BENCHMARKS.md, "Plans kept for
/// the catalog's statements"). A constant in the text is known to the generic plan, and
/// PostgreSQL 15 prunes partitions while planning only on constants (`orders::months::Bound`).
/// Only a value that is the same on every run, or one of few (a month), belongs here; anything
/// from a request is bound.
pub fn constant<ST>(value: i64) -> Constant<ST> {
    Constant {
        value,
        sql_type: PhantomData,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Constant<ST> {
    value: i64,
    sql_type: PhantomData<ST>,
}

impl<ST: SqlType + TypedExpressionType> Expression for Constant<ST> {
    type SqlType = ST;
}

impl<ST, DB: Backend> QueryFragment<DB> for Constant<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        out.push_sql(&self.value.to_string());
        Ok(())
    }
}

/// Told apart in the statement cache by its text, which holds the value.
impl<ST> QueryId for Constant<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, GroupBy> ValidGrouping<GroupBy> for Constant<ST> {
    type IsAggregate = is_aggregate::Never;
}

impl<ST, QS> AppearsOnTable<QS> for Constant<ST> where Self: Expression {}

impl<ST, QS> SelectableExpression<QS> for Constant<ST> where Self: AppearsOnTable<QS> {}

/// `query LIMIT count` with the count in the statement's text (see `constant`), for a query
/// with no LIMIT of its own.
pub trait LimitConstant: Sized {
    fn limit_constant(self, count: u32) -> Limited<Self> {
        Limited { query: self, count }
    }
}

impl<Q: Query> LimitConstant for Q {}

#[derive(Debug, Clone, Copy)]
pub struct Limited<Q> {
    query: Q,
    count: u32,
}

impl<Q: Query> Query for Limited<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> QueryFragment<DB> for Limited<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(&format!(" LIMIT {}", self.count));
        Ok(())
    }
}

/// Told apart in the statement cache by its text, which holds the count.
impl<Q> QueryId for Limited<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, Conn> RunQueryDsl<Conn> for Limited<Q> {}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::prelude::*;
    use diesel::sqlite::Sqlite;

    use super::{LimitConstant, constant};
    use crate::db::schema::products;

    #[test]
    fn constants_are_written_into_the_statement_and_request_values_are_bound() {
        let query = products::table
            .filter(products::rating_count.gt(constant(0)))
            .filter(products::primary_category_id.eq(41_i64))
            .select(products::id)
            .limit_constant(8);
        let pg = diesel::debug_query::<Pg, _>(&query).to_string();
        assert!(pg.contains(r#"("products"."rating_count" > 0)"#), "{pg}");
        assert!(
            pg.contains(r#"("products"."primary_category_id" = $1)"#),
            "{pg}"
        );
        assert!(pg.ends_with(" LIMIT 8 -- binds: [41]"), "{pg}");
        let sqlite = diesel::debug_query::<Sqlite, _>(&query).to_string();
        assert!(sqlite.ends_with(" LIMIT 8 -- binds: [41]"), "{sqlite}");
    }
}
