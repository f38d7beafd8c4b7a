"""Categories of the knowledge base managed in the console by vendor staff (add, rename,
delete only when empty, naming how many articles use it); partner admins and agents file
articles in them but do not manage them."""

from __future__ import annotations

import pytest
from django.test import Client

from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.kb import services
from tierdesk.kb.models import Category
from tierdesk.kb.services import ArticleDraft, CategoryInUse


def _console(world, who: str, **kw) -> Client:
    client = Client(**kw)
    client.force_login(world.user(who))
    return client


def _file(category: Category, n: int, **kw) -> None:
    for i in range(n):
        draft = ArticleDraft(title=f"Filed {i}", body="x", category_id=category.pk, **kw)
        services.article_create(actor=SYSTEM, draft=draft)


@pytest.mark.parametrize("who", ["l2", "lead", "admin"])
def test_vendor_staff_add_rename_and_delete_a_category(world, who):
    client = _console(world, who)
    # when a vendor staff member adds a category on the console's page
    response = client.post("/kb/categories/", {"name": "  Single   sign-on "})
    category = Category.objects.get(name="Single sign-on")
    assert response.status_code == 302 and category.slug == "single-sign-on"
    assert "Single sign-on" in client.get("/kb/categories/").content.decode()
    # and renames it
    response = client.post(f"/kb/categories/{category.pk}/", {"name": "SSO and SAML"})
    category.refresh_from_db()
    assert response.status_code == 302
    assert (category.name, category.slug) == ("SSO and SAML", "sso-and-saml")
    # and deletes it while it is empty
    response = client.post(f"/kb/categories/{category.pk}/delete/")
    assert response.status_code == 302
    assert not Category.objects.filter(pk=category.pk).exists()


def test_a_used_category_is_not_deleted_and_the_refusal_says_how_many(world):
    category = services.category_create(actor=SYSTEM, name="Hookcategory")
    _file(category, 2)
    _file(category, 1, audience="partner", partner_id=world.acme.pk)  # another partner's
    # when staff try to delete it
    with pytest.raises(CategoryInUse) as refused:
        services.category_delete(actor=world.actor("l2"), category_id=category.pk)
    # then it stays, and the refusal counts every article using it
    assert refused.value.articles == 3 and refused.value.status == 409
    response = _console(world, "l2").post(f"/kb/categories/{category.pk}/delete/")
    assert response.status_code == 409
    assert "3 articles use this category" in response.content.decode()
    assert Category.objects.filter(pk=category.pk).exists()


def test_the_refusal_in_german(world):
    category = services.category_create(actor=SYSTEM, name="Zertkategorie")
    _file(category, 1)
    staff = world.user("l2")
    staff.language = "de"
    staff.save(update_fields=["language"])
    client = _console(world, "l2")
    response = client.post(f"/kb/categories/{category.pk}/delete/")
    page = client.get("/kb/categories/").content.decode()
    assert "1 Artikel verwendet diese Kategorie" in response.content.decode()
    assert "Neue Kategorie" in page and "Umbenennen" in page


@pytest.mark.parametrize("who", ["acme_admin", "acme_l1", "vendor_l1"])
def test_others_may_not_manage_categories(world, who):
    category = services.category_create(actor=SYSTEM, name="Quotacategory")
    client = _console(world, who)
    # when a partner admin or an agent tries any of it
    assert client.get("/kb/categories/").status_code == 403
    assert client.post("/kb/categories/", {"name": "Mine"}).status_code == 403
    assert client.post(f"/kb/categories/{category.pk}/", {"name": "X"}).status_code == 403
    assert client.post(f"/kb/categories/{category.pk}/delete/").status_code == 403
    # then nothing changed, and the service refuses them as well
    assert not Category.objects.filter(name__in=["Mine", "X"]).exists()
    assert Category.objects.get(pk=category.pk).name == "Quotacategory"
    with pytest.raises(Forbidden):
        services.category_rename(actor=world.actor(who), category_id=category.pk, name="X")
    with pytest.raises(Forbidden):
        services.category_delete(actor=world.actor(who), category_id=category.pk)
    # and the list page offers them no link to it
    assert "/kb/categories/" not in client.get("/kb/").content.decode()


def test_partner_admins_file_their_articles_in_the_shared_categories(world):
    category = services.category_create(actor=SYSTEM, name="Connectorcat")
    draft = ArticleDraft(title="Ours", body="x", audience="partner", category_id=category.pk)
    article = services.article_create(actor=world.actor("acme_admin"), draft=draft)
    assert article.category == category


def test_customers_do_not_reach_the_page(world):
    assert _console(world, "acme_customer").get("/kb/categories/").status_code == 404


def test_csrf_is_required(world):
    category = services.category_create(actor=SYSTEM, name="Ratelimitz")
    client = _console(world, "admin", enforce_csrf_checks=True)
    assert client.post("/kb/categories/", {"name": "Forged"}).status_code == 403
    assert client.post(f"/kb/categories/{category.pk}/delete/").status_code == 403
    assert not Category.objects.filter(name="Forged").exists()
    assert Category.objects.filter(pk=category.pk).exists()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("", "1 to 80 characters"),
        ("x" * 81, "1 to 80 characters"),
        ("!!!", "at least one letter or digit"),
        ("ratelimitz", "Another category already has this name"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_written(world, name, shown):
    services.category_create(actor=SYSTEM, name="Ratelimitz")
    before = list(Category.objects.values_list("pk", "name", "slug"))
    client = _console(world, "l2")
    response = client.post("/kb/categories/", {"name": name})
    assert response.status_code == 422 and shown in response.content.decode()
    with pytest.raises(InvalidInput):
        services.category_create(actor=SYSTEM, name=name)
    other = services.category_create(actor=SYSTEM, name="Othercat")
    response = client.post(f"/kb/categories/{other.pk}/", {"name": name})
    assert response.status_code == 422
    assert list(Category.objects.exclude(pk=other.pk).values_list("pk", "name", "slug")) == before
    assert Category.objects.get(pk=other.pk).name == "Othercat"


def test_the_django_admin_shows_categories_but_writes_none(world):
    # given a category in use and the vendor's admin in the Django admin
    category = services.category_create(actor=world.actor("admin"), name="Connectivity")
    draft = ArticleDraft(title="DNS", body="Check the name.", category_id=category.pk)
    services.article_create(actor=world.actor("l2"), draft=draft)
    browser = Client()
    browser.force_login(world.user("admin"))
    # then the list is shown, but adding, changing and deleting are the console's
    assert browser.get("/admin/kb/category/").status_code == 200
    assert browser.get("/admin/kb/category/add/").status_code == 403
    delete = browser.post(f"/admin/kb/category/{category.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert Category.objects.filter(pk=category.pk).exists()
