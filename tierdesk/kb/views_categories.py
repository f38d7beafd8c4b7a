"""The knowledge base's categories in the console, for vendor staff: add, rename, delete
(only an empty one). Partner admins and agents file articles in them (403 here)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.kb import access, services
from tierdesk.kb.models import Category
from tierdesk.kb.views import _staff


def _manager(request: HttpRequest) -> Actor:
    actor = _staff(request)
    if not access.may_manage_categories(actor):
        raise PermissionDenied("Only vendor staff manage categories.")
    return actor


def _page(request: HttpRequest, *, error: str = "", name: str = "", status: int = 200):
    categories = Category.objects.annotate(used=Count("articles")).order_by("order", "name")
    context = {"categories": categories, "error": error, "name": name}
    return render(request, "kb/categories.html", context, status=status)


def _invalid(exc: InvalidInput) -> str:
    reason = exc.fields.get("name", "")
    if "another category" in reason:
        return _("Another category already has this name.")
    if "letter" in reason:
        return _("A category name needs at least one letter or digit.")
    return _("A category name has 1 to 80 characters.")


@login_required
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    if request.method == "GET":
        return _page(request)
    name = request.POST.get("name", "")[:200]
    try:
        category = services.category_create(actor=actor, name=name)
    except InvalidInput as exc:
        return _page(request, error=_invalid(exc), name=name, status=422)
    messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
    return redirect("kb-categories")


@login_required
@require_POST
def category_rename(request: HttpRequest, category_id: int) -> HttpResponse:
    actor = _manager(request)
    try:
        category = services.category_rename(
            actor=actor, category_id=category_id, name=request.POST.get("name", "")[:200]
        )
    except NotFound:
        messages.error(request, _("This category no longer exists."))
    except InvalidInput as exc:
        return _page(request, error=_invalid(exc), status=422)
    else:
        messages.success(request, _("Category renamed to “%(name)s”.") % {"name": category.name})
    return redirect("kb-categories")


@login_required
@require_POST
def category_delete(request: HttpRequest, category_id: int) -> HttpResponse:
    actor = _manager(request)
    try:
        services.category_delete(actor=actor, category_id=category_id)
    except NotFound:
        messages.error(request, _("This category no longer exists."))
    except services.CategoryInUse as exc:
        text = ngettext(
            "Not deleted: %(count)d article uses this category. Move it to another category first.",
            "Not deleted: %(count)d articles use this category. Move them to another "
            "category first.",
            exc.articles,
        ) % {"count": exc.articles}
        return _page(request, error=text, status=409)
    else:
        messages.success(request, _("Category deleted."))
    return redirect("kb-categories")
