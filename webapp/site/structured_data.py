"""An article page's JSON-LD: the article and the business, built in one place.

Search engines read it; the template only prints it (``|tojson`` escapes
``<``, ``>`` and ``&``, so no value closes the script element, and a
``type="application/ld+json"`` script is data that no browser runs, which
the CSP allows). What the owner has not filled in is left out, never null.
"""

from flask import current_app

from ..core.formatting import money
from .content import get_practice
from .opening_hours import DAYS
from .photos import photo_target
from .views import article_site_url, site_url


def page_structured_data(article):
    """``article``'s page JSON-LD (a template global the page prints)."""
    practice = get_practice()
    photo_url = None
    if practice.therapist.photo:
        endpoint, values = photo_target(practice.therapist.photo)
        photo_url = site_url(endpoint, **values)
    return structured_data(
        practice,
        article,
        page_url=article_site_url(article),
        photo_url=photo_url,
        booking_url=current_app.config["BOOKING_URL"],
        home_url=site_url(),
    )


def structured_data(practice, article, page_url, photo_url, booking_url, home_url=None):
    """The page's JSON-LD as a dict: the Article and the HealthAndBeautyBusiness.

    ``page_url``, ``photo_url`` (None without a photo) and ``home_url`` (the
    practice's own address, the home article's: ``page_url`` when not given)
    are absolute addresses on the site; ``booking_url`` is where booking happens.
    """
    publisher = {"@type": "Organization", "name": practice.name}
    page = {
        "@type": "Article",
        "headline": article.title,
        "description": article.description,
        "mainEntityOfPage": page_url,
        "author": publisher,
        "publisher": publisher,
    }
    if article.published:  # a draft (the owner's preview) has no date yet
        page["datePublished"] = article.published.isoformat()
    return {
        "@context": "https://schema.org",
        "@graph": [
            page,
            _business(practice, home_url or page_url, photo_url, booking_url),
        ],
    }


def _business(practice, home_url, photo_url, booking_url):
    """The practice as a schema.org HealthAndBeautyBusiness."""
    business = {"@type": "HealthAndBeautyBusiness", "name": practice.name}
    business["url"] = home_url
    if practice.phone:
        business["telephone"] = practice.phone
    address = {"streetAddress": practice.address, "addressLocality": practice.city}
    address = {key: value for key, value in address.items() if value}
    if address:
        business["address"] = {"@type": "PostalAddress", **address}
    business["potentialAction"] = {"@type": "ReserveAction", "target": booking_url}
    person = _person(practice.therapist, photo_url)
    if person:
        business["employee"] = person
    prices = [s.price for s in practice.services if s.price is not None]
    if prices:
        low, high = (money(p, practice.currency) for p in (min(prices), max(prices)))
        business["priceRange"] = low if low == high else f"{low} to {high}"
    if practice.services:
        business["makesOffer"] = [
            _offer(service, practice.currency) for service in practice.services
        ]
    if practice.hours:
        business["openingHoursSpecification"] = [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [DAYS[day] for day in line.days],
                "opens": line.opens.strftime("%H:%M"),
                "closes": line.closes.strftime("%H:%M"),
            }
            for line in practice.hours
        ]
    return business


def _person(therapist, photo_url):
    """The therapist as a schema.org Person, or None without a name."""
    if not therapist.name:
        return None
    person = {"@type": "Person", "name": therapist.name}
    if therapist.photo and photo_url:
        person["image"] = photo_url
    if therapist.license_type:
        person["jobTitle"] = therapist.license_type
    if therapist.license_type or therapist.license_number:
        credential = {
            "@type": "EducationalOccupationalCredential",
            "credentialCategory": "license",
            "name": therapist.license_type or "Massage therapy license",
        }
        if therapist.license_number:
            credential["identifier"] = therapist.license_number
        if therapist.licensed_by:
            credential["recognizedBy"] = {
                "@type": "Organization",
                "name": therapist.licensed_by,
            }
        person["hasCredential"] = credential
    if therapist.about:
        person["description"] = therapist.about
    return person


def _offer(service, currency):
    """One service as a schema.org Offer."""
    item = {"@type": "Service", "name": service.name}
    if service.minutes:
        item["name"] = f"{service.name}, {service.minutes} minutes"
    if service.description:
        item["description"] = service.description
    offer = {"@type": "Offer", "itemOffered": item}
    if service.price is not None:
        offer["price"] = str(service.price)
        offer["priceCurrency"] = currency
    return offer
