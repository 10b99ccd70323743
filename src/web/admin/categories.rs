//! `/admin/categories`: the category tree with a create form, and each category's edit page
//! (rename, move, delete). A form with problems is shown again with its messages, 422; one
//! refused because another admin saved the category first shows both versions, 409 (`edits`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::admin::categories::{self, CategoryInput, Name, NewCategory, TreeRow};
use crate::db::models::Category;
use crate::edits::{Difference, Version, differences};
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct TreePage {
    chrome: Chrome,
    tree: Vec<TreeRow>,
    form: CategoryInput,
    errors: FieldErrors,
}

impl TreePage {
    fn indent(&self, category: &Category) -> String {
        indent(category)
    }

    fn is_parent(&self, category: &Category) -> bool {
        self.form.parent == category.id.to_string()
    }
}

fn indent(category: &Category) -> String {
    "\u{a0}\u{a0}\u{a0}\u{a0}".repeat(usize::try_from(category.depth).unwrap_or(0))
}

async fn tree_page(
    state: &AppState,
    chrome: Chrome,
    form: CategoryInput,
    errors: FieldErrors,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let tree = state.db(categories::tree).await?;
    let page = TreePage {
        chrome,
        tree,
        form,
        errors,
    };
    respond::page_with(&page, status)
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    let form = CategoryInput::default();
    tree_page(&state, chrome, form, FieldErrors::default(), StatusCode::OK).await
}

pub(super) async fn create(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    form: web::Form<CategoryInput>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let new = match NewCategory::parse(&form) {
        Ok(new) => new,
        Err(errors) => return tree_page(&state, chrome, form, errors, respond::INVALID).await,
    };
    let actor = actor(&req, &me);
    match state
        .db_changing_catalog(move |conn| categories::create(conn, &actor, &new))
        .await?
    {
        Ok(id) => Ok(respond::done(
            &frame,
            "Category created.",
            &format!("/admin/categories/{id}"),
        )),
        Err(errors) => tree_page(&state, chrome, form, errors, respond::INVALID).await,
    }
}

/// Which of the edit page's forms failed, with what was typed.
enum Failed {
    Rename(CategoryInput),
    Move(CategoryInput),
}

/// Why a form failed: its fields, or someone saved the category first.
enum Why {
    Fields(FieldErrors),
    Stale,
}

#[derive(Template)]
#[template(path = "admin/category_edit.html")]
struct EditPage {
    chrome: Chrome,
    category: Category,
    tree: Vec<TreeRow>,
    failed: Option<Failed>,
    errors: FieldErrors,
    stale: bool,
}

impl EditPage {
    /// The version both forms carry: the one a refused form was opened at, or the current one
    /// when none failed or a stale save has just shown it.
    fn version(&self) -> String {
        match &self.failed {
            Some(Failed::Rename(typed) | Failed::Move(typed)) if !self.stale => {
                typed.version.clone()
            }
            _ => self.category.version.to_string(),
        }
    }

    fn stale_here(&self, which: &str) -> bool {
        self.stale
            && matches!(
                (&self.failed, which),
                (Some(Failed::Rename(_)), "rename") | (Some(Failed::Move(_)), "move")
            )
    }

    fn differences(&self) -> Vec<Difference> {
        let parent = |id: &str| {
            self.tree
                .iter()
                .find(|row| row.category.id.to_string() == id)
                .map_or("(top level)".to_owned(), |row| row.category.name.clone())
        };
        match &self.failed {
            Some(Failed::Rename(typed)) => {
                differences([("Name", self.category.name.clone(), typed.name.clone())])
            }
            Some(Failed::Move(typed)) => {
                let saved = self
                    .category
                    .parent_id
                    .map_or(String::new(), |id| id.to_string());
                differences([("Parent", parent(&saved), parent(typed.parent.trim()))])
            }
            None => Vec::new(),
        }
    }

    fn indent(&self, category: &Category) -> String {
        indent(category)
    }

    fn name_value(&self) -> &str {
        match &self.failed {
            Some(Failed::Rename(typed)) => &typed.name,
            _ => &self.category.name,
        }
    }

    fn is_parent(&self, category: &Category) -> bool {
        match &self.failed {
            Some(Failed::Move(typed)) => typed.parent == category.id.to_string(),
            _ => self.category.parent_id == Some(category.id),
        }
    }

    fn at_top(&self) -> bool {
        match &self.failed {
            Some(Failed::Move(typed)) => typed.parent.trim().is_empty(),
            _ => self.category.parent_id.is_none(),
        }
    }
}

async fn edit_page(
    state: &AppState,
    chrome: Chrome,
    id: i64,
    failed: Option<(Failed, Why)>,
) -> WebResult<HttpResponse> {
    let (category, tree) = state
        .db(move |conn| Ok((categories::find(conn, id)?, categories::tree(conn)?)))
        .await?;
    let (failed, errors, stale, status) = match failed {
        Some((failed, Why::Fields(errors))) => (Some(failed), errors, false, respond::INVALID),
        Some((failed, Why::Stale)) => {
            let none = FieldErrors::default();
            (Some(failed), none, true, StatusCode::CONFLICT)
        }
        None => (None, FieldErrors::default(), false, StatusCode::OK),
    };
    let page = EditPage {
        chrome,
        category,
        tree,
        failed,
        errors,
        stale,
    };
    respond::page_with(&page, status)
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    edit_page(&state, chrome, path.into_inner(), None).await
}

pub(super) async fn rename(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<CategoryInput>,
) -> WebResult<HttpResponse> {
    let (id, typed) = (path.into_inner(), form.into_inner());
    let name = match Name::parse(&typed.name) {
        Ok(name) => name,
        Err(errors) => {
            let failed = Some((Failed::Rename(typed), Why::Fields(errors)));
            return edit_page(&state, chrome, id, failed).await;
        }
    };
    let (actor, opened_at) = (actor(&req, &me), Version::parse(&typed.version)?);
    let saved = state
        .db_changing_catalog(move |conn| categories::rename(conn, &actor, id, opened_at, &name))
        .await;
    let why = match refused(saved)? {
        None => {
            let edit = format!("/admin/categories/{id}");
            return Ok(respond::done(&frame, "Category renamed.", &edit));
        }
        Some(why) => why,
    };
    edit_page(&state, chrome, id, Some((Failed::Rename(typed), why))).await
}

/// Why a save was refused, if it was: its fields, or someone saved first; any other failure
/// is the error page's.
fn refused(saved: WebResult<Result<(), FieldErrors>>) -> WebResult<Option<Why>> {
    match saved {
        Ok(Ok(())) => Ok(None),
        Ok(Err(errors)) => Ok(Some(Why::Fields(errors))),
        Err(WebError::Stale) => Ok(Some(Why::Stale)),
        Err(other) => Err(other),
    }
}

pub(super) async fn move_to(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<CategoryInput>,
) -> WebResult<HttpResponse> {
    let (id, typed) = (path.into_inner(), form.into_inner());
    let parent_id = match categories::parse_parent(&typed.parent) {
        Ok(parent_id) => parent_id,
        Err(errors) => {
            let failed = Some((Failed::Move(typed), Why::Fields(errors)));
            return edit_page(&state, chrome, id, failed).await;
        }
    };
    let (actor, opened_at) = (actor(&req, &me), Version::parse(&typed.version)?);
    let saved = state
        .db_changing_catalog(move |conn| {
            categories::move_subtree(conn, &actor, id, opened_at, parent_id)
        })
        .await;
    let why = match refused(saved)? {
        None => {
            let edit = format!("/admin/categories/{id}");
            let message = "Category moved with everything beneath it.";
            return Ok(respond::done(&frame, message, &edit));
        }
        Some(why) => why,
    };
    edit_page(&state, chrome, id, Some((Failed::Move(typed), why))).await
}

pub(super) async fn delete(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), actor(&req, &me));
    state
        .db_changing_catalog(move |conn| categories::delete(conn, &actor, id))
        .await?;
    Ok(respond::done(
        &frame,
        "Category deleted.",
        "/admin/categories",
    ))
}
