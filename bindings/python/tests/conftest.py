"""Shared fixtures: a fresh in-memory book per test, and actors with each role."""

import pytest

from contactkit import Actor, ContactBook


@pytest.fixture
def book():
    with ContactBook(":memory:") as b:
        yield b


@pytest.fixture
def admin():
    return Actor.member("u-admin", "admin")


@pytest.fixture
def agent():
    return Actor.member("u-agent", "agent")
