//! SQL that is written differently for the two backends, as typed diesel expressions.

use diesel::backend::Backend;
use diesel::expression::{
    AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable};

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
