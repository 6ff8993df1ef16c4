import pytest

from peerfund.tests_support.crowdfunding import address_of
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import onboard


@pytest.fixture
def project_owner(platform, make_user):
    """A verified project owner (identity 2)."""
    user = make_user(username="maker")
    onboard(user, identity=2)
    return user


@pytest.fixture
def reviewer(staff_with):
    return staff_with("operations", "cf-reviewer")


@pytest.fixture
def backers(platform, make_user, django_capture_on_commit_callbacks):
    """Three verified backers with ¥2,000 each and an address."""
    people = []
    for number, identity in enumerate((0, 1, 3)):
        user = make_user(username=f"backer{number + 1}")
        onboard(user, identity=identity)
        pay_deposit(user, 200_000, django_capture_on_commit_callbacks, key=f"seed-{number}")
        user.address = address_of(user, province=("浙江", "广东", "北京")[number])
        people.append(user)
    return people
