//! The category tree as an administrator changes it: create, rename, move a subtree, delete an
//! empty category. Each category keeps a materialised path of ids ('/1/5/23/') and its depth,
//! so a move rewrites the whole subtree's paths and depths in one transaction. The search index
//! holds every product's categories with their ancestors and names, so a rename or move queues
//! each product filed anywhere in the subtree for re-indexing (`search::enqueue`) in the same
//! transaction; other nodes see the change once their indexer has applied it.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::audit::{self, Actor, Entity};
use crate::catalog::addresses;
use crate::db::models::Category;
use crate::db::schema::{categories, product_categories, products, promotions};
use crate::db::{self, DbConn};
use crate::edits::{self, Version};
use crate::error::{Error, Result};
use crate::forms::FieldErrors;
use crate::search;

mod input;
pub use input::{CategoryInput, Name, NewCategory, parse_parent};

/// The deepest a category may sit (the table's CHECK on depth).
const MAX_DEPTH: i32 = 8;

/// A category as the tree page lists it, in tree order.
pub struct TreeRow {
    pub category: Category,
    /// Products whose primary category this is, or filed here besides.
    pub products: i64,
}

/// Every category in tree order (a path sorts after its parent's and before its next
/// sibling's), with its product count.
pub fn tree(conn: &mut DbConn) -> Result<Vec<TreeRow>> {
    let all: Vec<Category> = categories::table
        .order(categories::path)
        .select(Category::as_select())
        .load(conn)?;
    let mut counts: HashMap<i64, i64> = products::table
        .group_by(products::primary_category_id)
        .select((products::primary_category_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let also_filed: Vec<(i64, i64)> = product_categories::table
        .inner_join(products::table)
        .filter(products::primary_category_id.ne(product_categories::category_id))
        .group_by(product_categories::category_id)
        .select((product_categories::category_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (category_id, count) in also_filed {
        *counts.entry(category_id).or_default() += count;
    }
    Ok(all
        .into_iter()
        .map(|category| TreeRow {
            products: counts.get(&category.id).copied().unwrap_or(0),
            category,
        })
        .collect())
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Category> {
    Ok(categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)?)
}

/// Creates a category under `parent_id` (or at the top); its id, or why not by field.
pub fn create(
    conn: &mut DbConn,
    admin: &Actor,
    new: &NewCategory,
) -> Result<Result<i64, FieldErrors>> {
    db::write_tx(conn, |conn| {
        let (prefix, depth) = match new.parent_id {
            None => (String::from("/"), 0),
            Some(parent_id) => match placed_under(conn, parent_id, 0)? {
                Ok(place) => place,
                Err(errors) => return Ok(Err(errors)),
            },
        };
        if slug_taken(conn, &new.name.slug, None)? {
            return Ok(Err(taken(&new.name.slug)));
        }
        addresses::take_category_slug(conn, &new.name.slug)?;
        let inserted = diesel::insert_into(categories::table)
            .values((
                categories::parent_id.eq(new.parent_id),
                categories::name.eq(&new.name.name),
                categories::slug.eq(&new.name.slug),
                // The path names the row's own id, known only after the insert.
                categories::path.eq(format!("pending:{}", new.name.slug)),
                categories::depth.eq(depth),
            ))
            .returning(categories::id)
            .get_result::<i64>(conn);
        let id = match inserted {
            Ok(id) => id,
            // Another admin took the slug since the check.
            Err(e) if db::unique_violation_on(&e, "categories", &["slug"]) => {
                return Ok(Err(taken(&new.name.slug)));
            }
            Err(e) => return Err(e.into()),
        };
        diesel::update(categories::table.find(id))
            .set(categories::path.eq(format!("{prefix}{id}/")))
            .execute(conn)?;
        let details = format!("created '{}' ({})", new.name.name, new.name.slug);
        audit::record(conn, admin, "category.create", entity(id), &details)?;
        Ok(Ok(id))
    })
}

/// Renames a category; its slug, and so its page's address, follows the name, and the old
/// address redirects to the new one (`catalog::addresses`).
pub fn rename(
    conn: &mut DbConn,
    admin: &Actor,
    id: i64,
    opened_at: Version,
    name: &Name,
) -> Result<Result<(), FieldErrors>> {
    db::write_tx(conn, |conn| {
        claim(conn, id, opened_at)?;
        let before = find(conn, id)?;
        if slug_taken(conn, &name.slug, Some(id))? {
            return Ok(Err(taken(&name.slug)));
        }
        let renamed = diesel::update(categories::table.find(id))
            .set((
                categories::name.eq(&name.name),
                categories::slug.eq(&name.slug),
            ))
            .execute(conn);
        match renamed {
            Ok(_) => {}
            Err(e) if db::unique_violation_on(&e, "categories", &["slug"]) => {
                return Ok(Err(taken(&name.slug)));
            }
            Err(e) => return Err(e.into()),
        }
        addresses::retire_category_slug(conn, id, &before.slug, &name.slug)?;
        reindex_subtree(conn, &before.path)?;
        let details = format!(
            "renamed '{}' ({}) to '{}' ({})",
            before.name, before.slug, name.name, name.slug
        );
        audit::record(conn, admin, "category.rename", entity(id), &details)?;
        Ok(Ok(()))
    })
}

/// Moves a category with everything beneath it under `parent_id`, or to the top level. Like a
/// rename, refused as stale when the category was edited since the form was opened.
pub fn move_subtree(
    conn: &mut DbConn,
    admin: &Actor,
    id: i64,
    opened_at: Version,
    parent_id: Option<i64>,
) -> Result<Result<(), FieldErrors>> {
    db::write_tx(conn, |conn| {
        claim(conn, id, opened_at)?;
        let moved = find(conn, id)?;
        let subtree: Vec<(i64, Option<i64>, String, i32)> = categories::table
            .filter(categories::path.like(format!("{}%", moved.path)))
            .select((
                categories::id,
                categories::parent_id,
                categories::path,
                categories::depth,
            ))
            .load(conn)?;
        let height = subtree
            .iter()
            .map(|(_, _, _, d)| d - moved.depth)
            .max()
            .unwrap_or(0);
        let (prefix, depth) = match parent_id {
            None => (String::from("/"), 0),
            Some(parent_id) => {
                if subtree.iter().any(|(sub_id, _, _, _)| *sub_id == parent_id) {
                    return Ok(Err(FieldErrors::single(
                        "parent",
                        "A category cannot move under itself or one of its own subcategories.",
                    )));
                }
                match placed_under(conn, parent_id, height)? {
                    Ok(place) => place,
                    Err(errors) => return Ok(Err(errors)),
                }
            }
        };
        let new_path = format!("{prefix}{id}/");
        let shift = depth - moved.depth;
        for (sub_id, old_parent, path, sub_depth) in &subtree {
            let below = &path[moved.path.len()..];
            // Each row's parent is unchanged but the moved one's, which must change with its
            // depth: the table checks that exactly the top-level rows have no parent.
            let parent = if *sub_id == id {
                parent_id
            } else {
                *old_parent
            };
            diesel::update(categories::table.find(sub_id))
                .set((
                    categories::parent_id.eq(parent),
                    categories::path.eq(format!("{new_path}{below}")),
                    categories::depth.eq(sub_depth + shift),
                ))
                .execute(conn)?;
        }
        reindex_subtree(conn, &new_path)?;
        let details = format!(
            "moved '{}' with {} subcategories from {} to {new_path}",
            moved.name,
            subtree.len() - 1,
            moved.path
        );
        audit::record(conn, admin, "category.move", entity(id), &details)?;
        Ok(Ok(()))
    })
}

/// Counts an edit of category `id` opened at `opened_at`, or refuses it as stale (`edits`); a
/// rename and a move both count, so a form open across either is refused.
fn claim(conn: &mut DbConn, id: i64, opened_at: Version) -> Result<()> {
    find(conn, id)?;
    let rows = diesel::update(categories::table.find(id))
        .filter(categories::version.eq(opened_at.0))
        .set(categories::version.eq(categories::version + 1))
        .execute(conn)?;
    edits::saved(rows)
}

/// Deletes a category that holds no products and no subcategories; a conflict says which.
pub fn delete(conn: &mut DbConn, admin: &Actor, id: i64) -> Result<()> {
    db::write_tx(conn, |conn| {
        let category = find(conn, id)?;
        let children: i64 = categories::table
            .filter(categories::parent_id.eq(id))
            .count()
            .get_result(conn)?;
        if children > 0 {
            return Err(Error::Conflict(format!(
                "'{}' has {children} subcategories; move or delete them first.",
                category.name
            )));
        }
        let products = products_in(conn, &[id])?.len();
        if products > 0 {
            return Err(Error::Conflict(format!(
                "'{}' holds {products} products (archived ones included); move them first.",
                category.name
            )));
        }
        let promotions: i64 = promotions::table
            .filter(promotions::scope_category_id.eq(id))
            .count()
            .get_result(conn)?;
        if promotions > 0 {
            return Err(Error::Conflict(format!(
                "{promotions} promotions apply to '{}'; change them first.",
                category.name
            )));
        }
        diesel::delete(categories::table.find(id)).execute(conn)?;
        let details = format!("deleted '{}' ({})", category.name, category.slug);
        audit::record(conn, admin, "category.delete", entity(id), &details)
    })
}

/// Where a child of `parent_id` goes: its path prefix and depth, or why it cannot when the
/// parent is missing or a subtree `height` levels deep would sit too deep.
fn placed_under(
    conn: &mut DbConn,
    parent_id: i64,
    height: i32,
) -> Result<Result<(String, i32), FieldErrors>> {
    let parent: Option<(String, i32)> = categories::table
        .find(parent_id)
        .select((categories::path, categories::depth))
        .first(conn)
        .optional()?;
    Ok(match parent {
        None => Err(FieldErrors::single(
            "parent",
            "Choose a parent from the list.",
        )),
        Some((_, parent_depth)) if parent_depth + 1 + height > MAX_DEPTH => {
            Err(FieldErrors::single(
                "parent",
                format!("Categories can be at most {} levels deep.", MAX_DEPTH + 1),
            ))
        }
        Some((path, parent_depth)) => Ok((path, parent_depth + 1)),
    })
}

fn slug_taken(conn: &mut DbConn, slug: &str, other_than: Option<i64>) -> Result<bool> {
    let holder: Option<i64> = categories::table
        .filter(categories::slug.eq(slug))
        .select(categories::id)
        .first(conn)
        .optional()?;
    Ok(holder.is_some_and(|holder| Some(holder) != other_than))
}

fn taken(slug: &str) -> FieldErrors {
    FieldErrors::single(
        "name",
        format!("Another category already has the address /c/{slug}; choose another name."),
    )
}

/// Queues every product filed anywhere under `path` for the search index, whose documents
/// carry their categories' names and ancestors.
fn reindex_subtree(conn: &mut DbConn, path: &str) -> Result<()> {
    let ids: Vec<i64> = categories::table
        .filter(categories::path.like(format!("{path}%")))
        .select(categories::id)
        .load(conn)?;
    for product_id in products_in(conn, &ids)? {
        search::enqueue(conn, product_id)?;
    }
    Ok(())
}

/// Products (any status) with one of `category_ids` as primary category or filed there.
fn products_in(conn: &mut DbConn, category_ids: &[i64]) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = products::table
        .filter(products::primary_category_id.eq_any(category_ids))
        .select(products::id)
        .load(conn)?;
    ids.extend(
        product_categories::table
            .filter(product_categories::category_id.eq_any(category_ids))
            .select(product_categories::product_id)
            .load::<i64>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn entity(id: i64) -> Entity<'static> {
    Entity {
        kind: "category",
        id,
    }
}
