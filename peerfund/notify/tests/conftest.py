from peerfund.lending.tests.conftest import disbursed_loan, full_loan, list_loan, product  # noqa: F401
