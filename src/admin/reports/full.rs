//! Everything the report page shows for one request.

use super::{
    DateRange, PeriodSales, Ranked, ReportParams, SalesReport, sales_by_category, sales_over_time,
    top_products, top_sellers,
};
use crate::db::DbConn;
use crate::error::Result;

pub struct FullReport {
    pub params: ReportParams,
    pub over_time: Vec<PeriodSales>,
    pub by_category: SalesReport,
    pub top_products: Vec<Ranked>,
    pub top_sellers: Vec<Ranked>,
}

impl FullReport {
    pub fn range(&self) -> DateRange {
        self.params.range
    }
}

/// The four sections of the report page, each read by its own grouped query.
pub fn full_report(conn: &mut DbConn, params: ReportParams) -> Result<FullReport> {
    Ok(FullReport {
        over_time: sales_over_time(conn, params)?,
        by_category: sales_by_category(conn, params.range)?,
        top_products: top_products(conn, params.range)?,
        top_sellers: top_sellers(conn, params.range)?,
        params,
    })
}
