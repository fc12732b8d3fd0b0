"""Cross-sell (playbook §3): the customer–product matrix of each segment, the portfolio a
segment never buys, and per customer what its segment buys most that it has not."""

from __future__ import annotations

from mapping.model import Company
from sync.config.rules import RulesSettings
from sync.rules.base import CustomerBase, RuleContext
from sync.segmentation.crosssell import product_matrix
from tests.segmentation.builders import NOW, contact, find, run, settings, value, won


def customers() -> tuple[list, list]:
    """Ten recent customers (segment CUSTOMER): all bought A, six B, two C, one only D."""
    contacts = [contact(f"c{i}") for i in range(10)]
    deals = [won(f"c{i}", 10, products=["A"]) for i in range(10)]
    deals += [won(f"c{i}", 20, products=["B"]) for i in range(6)]
    deals += [won(f"c{i}", 30, products=["C"]) for i in (0, 1)]
    deals += [won("c9", 40, products=["D"])]
    return contacts, deals


def test_suggests_what_the_segment_buys_most_and_the_customer_has_not() -> None:
    contacts, deals = customers()
    result = run("cross_sell", contacts, deals)
    assert value(result, "c9", "cross_sell") == "B; C"
    assert find(result, "c9", "field", "cross_sell")[0].reason == (
        "bought by these shares of CUSTOMER customers, not by this one: B 60%, C 20%"
    )
    assert value(result, "c7", "cross_sell") == "B; C; D"
    assert value(result, "c0", "cross_sell") == "D"


def test_rarely_bought_products_are_not_suggested() -> None:
    contacts, deals = customers()
    rare = settings(cross_sell={"min_buyer_share": 0.25, "max_suggestions": 1})
    result = run("cross_sell", contacts, deals, rules=rare)
    assert value(result, "c7", "cross_sell") == "B"
    assert value(result, "c0", "cross_sell") is None


def test_the_matrix_knows_what_each_segment_never_bought() -> None:
    contacts, deals = customers()
    contacts.append(contact("old", retired_reason="moved away"))
    deals.append(won("old", 500, products=["E"]))
    matrix = product_matrix(RuleContext(CustomerBase(contacts, [], deals), NOW, RulesSettings()))
    assert matrix.segments["CUSTOMER"].never_sold == ("E",)
    assert matrix.segments["CUSTOMER_RETIRED"].never_sold == ("A", "B", "C", "D")
    assert matrix.segments["CUSTOMER"].buyers == {"A": 10, "B": 6, "C": 2, "D": 1}


def test_segments_can_be_industries() -> None:
    companies = [
        Company.of(id="dent", industry="Dental"),
        Company.of(id="soft", industry="Software"),
    ]
    contacts = [contact("d1", company_id="dent"), contact("d2", company_id="dent")]
    contacts += [contact("s1", company_id="soft")]
    deals = [won("d1", 5, products=["Chair"]), won("d2", 5, products=["Gloves"])]
    deals += [won("s1", 5, products=["Licence"])]
    by_industry = settings(cross_sell={"segment_by": "industry"})
    result = run("cross_sell", contacts, deals, companies, rules=by_industry)
    assert value(result, "d1", "cross_sell") == "Gloves"
    assert value(result, "s1", "cross_sell") is None


def test_not_qualified_customers_get_no_suggestions() -> None:
    contacts, deals = customers()
    contacts[9] = contact("c9", disqualified=True, disqualified_reason="conflict")
    assert value(run("cross_sell", contacts, deals), "c9", "cross_sell") is None
