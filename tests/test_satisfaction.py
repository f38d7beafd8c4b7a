"""Satisfaction: the customer rates the help from the resolved mail's signed link (no
sign-in, one use, expiring) or in the portal; a low rating tells the leads."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing

from tests.factories import ticket_at
from tierdesk.core import clock
from tierdesk.core.clock import travel_to
from tierdesk.core.errors import Forbidden, InvalidInput, WrongState
from tierdesk.mail.models import MailKind, OutboundMail
from tierdesk.satisfaction import selectors, services
from tierdesk.satisfaction.models import Rating, UsedRatingLink

pytestmark = pytest.mark.django_db


def _link_from_mail(world) -> str:
    mail = OutboundMail.objects.filter(
        to_email=world.user("acme_customer").email, kind=MailKind.RESOLVED
    ).latest("pk")
    found = re.search(r"/rate/([^/\s]+)/", mail.text_body)
    assert found, mail.text_body
    return found.group(1)


def test_the_resolved_mail_carries_a_link_that_rates_once_without_signing_in(world, client):
    # given a ticket resolved at L1, and the link in the customer's resolved mail
    ticket = ticket_at(world, "resolved@L1")
    token = _link_from_mail(world)
    # when the customer opens it without signing in and rates 4 with a comment
    assert client.get(f"/rate/{token}/").status_code == 200
    response = client.post(f"/rate/{token}/", {"score": "4", "comment": "Quick, thanks."})
    # then the rating is kept with the level, partner and agent who resolved it
    assert response.status_code == 200 and b"Thank you" in response.content
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.level) == (4, "Quick, thanks.", 1)
    assert rating.partner_id == world.acme.pk and rating.agent_id == world.user("acme_l1").pk
    assert rating.ticket_id == ticket.pk
    # and the link is refused when used again, with nothing more stored
    again = client.post(f"/rate/{token}/", {"score": "1"})
    assert again.status_code == 410
    assert Rating.objects.count() == 1


def test_forged_and_expired_links_are_refused(world, client):
    ticket = ticket_at(world, "resolved@L1")
    token = _link_from_mail(world)
    # a forged link: signed with another key, or altered
    forged = signing.dumps({"t": ticket.pk, "u": 1, "r": "", "at": 0}, key="not-ours", salt="x")
    for bad in (forged, token[:-2] + "xx"):
        with pytest.raises(services.LinkRefused):
            services.rating_from_link(token=bad, score=5)
        assert client.post(f"/rate/{bad}/", {"score": "5"}).status_code == 410
    # an expired link: past the link's days
    later = clock.now() + timedelta(days=31)
    with travel_to(later), pytest.raises(services.LinkRefused, match="expired"):
        services.rating_from_link(token=token, score=5)
    assert not Rating.objects.exists() and not UsedRatingLink.objects.exists()


def test_bad_scores_are_refused_naming_the_field_and_the_link_still_works(world, client):
    ticket_at(world, "resolved@L1")
    token = _link_from_mail(world)
    for score in ("0", "6", "x", ""):
        with pytest.raises(InvalidInput) as refused:
            services.rating_from_link(token=token, score=score)
        assert list(refused.value.fields) == ["score"]
    response = client.post(f"/rate/{token}/", {"score": "9"})
    assert response.status_code == 422
    assert not UsedRatingLink.objects.exists()
    services.rating_from_link(token=token, score=3)
    assert Rating.objects.get().score == 3


def test_a_low_rating_tells_the_leads(world):
    ticket = ticket_at(world, "resolved@L1")
    services.rating_submit(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, score=1, comment="Slow."
    )
    told = OutboundMail.objects.filter(to_email=world.user("lead").email, kind=MailKind.NOTICE)
    assert told.count() == 1
    assert "1 of 5" in told.get().text_body and "Slow." in told.get().text_body


def test_portal_rating_is_the_customers_own_once_per_resolution(world):
    ticket = ticket_at(world, "resolved@L1")
    with pytest.raises(Forbidden):
        services.rating_submit(actor=world.actor("acme_l1"), ticket_id=ticket.pk, score=5)
    services.rating_submit(actor=world.actor("acme_customer"), ticket_id=ticket.pk, score=5)
    with pytest.raises(WrongState):
        services.rating_submit(actor=world.actor("acme_customer"), ticket_id=ticket.pk, score=4)
    open_ticket = ticket_at(world, "in_progress@L1")
    with pytest.raises(WrongState):
        services.rating_submit(
            actor=world.actor("acme_customer"), ticket_id=open_ticket.pk, score=4
        )


def test_ratings_per_level_partner_and_agent(world):
    l1 = ticket_at(world, "resolved@L1")
    l2 = ticket_at(world, "resolved@L2")
    customer = world.actor("acme_customer")
    services.rating_submit(actor=customer, ticket_id=l1.pk, score=5)
    services.rating_submit(actor=customer, ticket_id=l2.pk, score=2)
    assert selectors.ratings_by("level") == [
        {"key": 1, "count": 1, "average": 5.0},
        {"key": 2, "count": 1, "average": 2.0},
    ]
    assert selectors.ratings_by("partner") == [{"key": world.acme.pk, "count": 2, "average": 3.5}]
    by_agent = {row["key"]: row["average"] for row in selectors.ratings_by("agent")}
    assert by_agent == {world.user("acme_l1").pk: 5.0, world.user("l2").pk: 2.0}


def test_the_customer_rates_in_the_portal(world, client):
    # given the customer's resolved ticket, opened in the portal
    ticket = ticket_at(world, "resolved@L1")
    client.force_login(world.user("acme_customer"))
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "How did we do?" in page
    # when they send a bad score: refused, nothing stored
    bad = client.post(f"/portal/tickets/{ticket.number}/rate/", {"score": "7"})
    assert bad.status_code == 422 and not Rating.objects.exists()
    # when they rate 5
    done = client.post(f"/portal/tickets/{ticket.number}/rate/", {"score": "5", "comment": "Top"})
    assert done.status_code == 302
    # then the page thanks them instead of asking again
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "You rated our help 5 of 5" in page and "How did we do?" not in page
    # and another customer's ticket cannot be rated (404, as for a missing one)
    other = ticket_at(world, "resolved@L1", partner="globex")
    assert client.post(f"/portal/tickets/{other.number}/rate/", {"score": "1"}).status_code == 404


def test_the_ticket_api_shows_its_ratings(world):
    from tests.test_api import API, client_for

    # given a resolved ticket the customer rated
    ticket = ticket_at(world, "resolved@L1")
    before = client_for(world, "acme_l1").get(f"{API}/tickets/{ticket.pk}").json()
    assert before["satisfaction"] == []
    services.rating_submit(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, score=2, comment="Too slow."
    )
    # when the partner's agent reads the ticket through the API
    after = client_for(world, "acme_l1").get(f"{API}/tickets/{ticket.pk}").json()
    # then the rating is on it, with the level that resolved it
    (rating,) = after["satisfaction"]
    assert rating["score"] == 2 and rating["comment"] == "Too slow." and rating["level"] == 1
