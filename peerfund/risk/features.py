"""The applicant attributes the credit model uses, as the loan application form
collects them: each dataset value of the UCI German credit data gets a label a
Chinese applicant understands (amounts in yuan bands instead of Deutsche Mark).

Two attributes of the data set are left out of the model on purpose: sex / marital
status and foreign-worker status are protected characteristics, not credit risk.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Feature:
    name: str  # the data set's column
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (data set value, label); empty for numbers
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    # Application value / scale = the data set's value (amounts: yuan vs the data's Deutsche Mark).
    scale: int = 1
    # The form's wording: a question as a person asks it (the label stays short, for
    # reason codes and the back office's scorecard).
    question: str = ""
    # A numeric answer offered as a choice of numbers (value, label).
    options: tuple[tuple[int, str], ...] = ()

    @property
    def numeric(self) -> bool:
        return not self.choices

    def value_label(self, value) -> str:
        if value is None:
            return str(_("unknown"))
        if self.options:
            return str(dict(self.options).get(value, value))
        if self.numeric:
            return f"{value}{self.unit}"
        return str(dict(self.choices).get(value, value))


FEATURES: tuple[Feature, ...] = (
    Feature("status_of_existing_checking_account", _("Current account, average monthly balance"), question=_("Roughly how much is usually left in your current account (e.g. your salary card) each month?"), choices=(
        ("... < 0 DM", _("overdrawn")),
        ("0 <= ... < 200 DM", _("under ¥2,000")),
        ("... >= 200 DM / salary assignments for at least 1 year", _("¥2,000 or more, or salary paid in for a year")),
        ("no checking account", _("no current account")),
    )),
    Feature("duration_in_month", _("Loan term"), minimum=1, maximum=72, unit=_(" months")),
    Feature("credit_history", _("Credit history"), question=_("How have you repaid loans and credit cards in the past?"), choices=(
        ("no credits taken/ all credits paid back duly", _("no loans, or all repaid on time")),
        ("all credits at this bank paid back duly", _("all loans here repaid on time")),
        ("existing credits paid back duly till now", _("current loans repaid on time so far")),
        ("delay in paying off in the past", _("late repayments in the past")),
        ("critical account/ other credits existing (not at this bank)", _("problem account, or loans at other lenders")),
    )),
    Feature("purpose", _("Purpose"), question=_("What will you use the money for?"), choices=(
        ("car (new)", _("new car")), ("car (used)", _("used car")), ("furniture/equipment", _("furniture or equipment")),
        ("radio/television", _("electronics")), ("domestic appliances", _("home appliances")), ("repairs", _("repairs")),
        ("education", _("education")), ("retraining", _("training")), ("business", _("business")), ("others", _("other")),
    )),
    Feature("credit_amount", _("Amount asked for"), minimum=1_000, maximum=1_000_000, unit=_(" yuan"), scale=10),
    Feature("savings_account_and_bonds", _("Savings and bonds"), question=_("How much do you have in savings, deposits and bonds altogether?"), choices=(
        ("unknown/ no savings account", _("none")), ("... < 100 DM", _("under ¥1,000")),
        ("100 <= ... < 500 DM", _("¥1,000 to ¥5,000")), ("500 <= ... < 1000 DM", _("¥5,000 to ¥10,000")),
        ("... >= 1000 DM", _("¥10,000 or more")),
    )),
    Feature("present_employment_since", _("Time in current job"), question=_("How long have you worked in your current job?"), choices=(
        ("unemployed", _("not employed")), ("... < 1 year", _("under 1 year")), ("1 <= ... < 4 years", _("1 to 4 years")),
        ("4 <= ... < 7 years", _("4 to 7 years")), ("... >= 7 years", _("7 years or more")),
    )),
    Feature("installment_rate_in_percentage_of_disposable_income", _("Instalment as a share of disposable income (1 low – 4 high)"), minimum=1, maximum=4,
            question=_("How much of what you have left each month would the instalment take?"),
            options=((1, _("a small part")), (2, _("a fair part")), (3, _("a large part")), (4, _("most of it")))),
    Feature("other_debtors_or_guarantors", _("Co-applicant or guarantor"), question=_("Is anyone borrowing with you or guaranteeing this loan?"), choices=(
        ("none", _("none")), ("co-applicant", _("co-applicant")), ("guarantor", _("guarantor")),
    )),
    Feature("present_residence_since", _("Years at current address (1–4)"), minimum=1, maximum=4,
            question=_("How long have you lived at your current address?"),
            options=((1, _("a year or less")), (2, _("about two years")), (3, _("about three years")), (4, _("four years or more")))),
    Feature("property", _("Most valuable property"), question=_("What is the most valuable thing you own?"), choices=(
        ("real estate", _("real estate")), ("building society savings agreement/ life insurance", _("savings plan or life insurance")),
        ("car or other, not in attribute Savings account/bonds", _("car or other")), ("unknown / no property", _("none")),
    )),
    Feature("age_in_years", _("Age"), minimum=18, maximum=100, unit=_(" years")),
    Feature("other_installment_plans", _("Other instalment plans"), question=_("Are you paying off any other instalments at the moment?"), choices=(
        ("none", _("none")), ("bank", _("with a bank")), ("stores", _("with shops or platforms")),
    )),
    Feature("housing", _("Housing"), question=_("Where do you live?"), choices=(("own", _("own home")), ("rent", _("rented")), ("for free", _("rent-free (with family, or housing from work)")))),
    Feature("number_of_existing_credits_at_this_bank", _("Loans already on this platform"), minimum=0, maximum=10),
    Feature("job", _("Occupation"), question=_("What kind of work do you do?"), choices=(
        ("unemployed/ unskilled - non-resident", _("not employed or unskilled, non-resident")),
        ("unskilled - resident", _("unskilled")), ("skilled employee / official", _("skilled employee or civil servant")),
        ("management/ self-employed/ highly qualified employee/ officer", _("manager, self-employed or highly qualified")),
    )),
    Feature("number_of_people_being_liable_to_provide_maintenance_for", _("Dependants"), minimum=0, maximum=10,
            question=_("How many people do you support (not counting yourself)?")),
    Feature("telephone", _("Phone registered in your name"), question=_("Is there a phone line registered in your own name?"), choices=(("none", _("no")), ("yes, registered under the customers name", _("yes")))),
)
FEATURE_BY_NAME = {f.name: f for f in FEATURES}
# Answers the platform knows better than the applicant, so the form never asks them:
# amount and term from the application, age from the verified ID's date of birth, the
# loans on this platform from its books (lending's origination fills them in).
DERIVED = ("credit_amount", "duration_in_month", "age_in_years", "number_of_existing_credits_at_this_bank")
# Asked on the application but not a model input: the 2017 ban on campus lending (校园贷)
# refuses students whatever their score.
STUDENT = Feature("student", _("Student"), (("no", _("no")), ("yes", _("yes"))), question=_("Are you currently a student at a school or university?"))
EXTRA_QUESTIONS = (STUDENT,)
# What the application form and the API's schema ask, in this order.
QUESTIONS: tuple[Feature, ...] = tuple(f for f in FEATURES if f.name not in DERIVED) + EXTRA_QUESTIONS
EXCLUDED = ("personal_status_and_sex", "foreign_worker")
TARGET = "creditability"


def clean_application(attributes: dict) -> dict:
    """Validate an application's attributes against the schema; returns the cleaned
    dict or raises ValueError naming the first bad field."""
    cleaned = {}
    for feature in FEATURES:
        if feature.name not in attributes:
            raise ValueError(feature.name)
        value = attributes[feature.name]
        if value is None and feature.name == "age_in_years":
            cleaned[feature.name] = None  # a firm: no date of birth; the model's "missing" bin
            continue
        if feature.numeric:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(feature.name)
            if (feature.minimum is not None and value < feature.minimum) or (feature.maximum is not None and value > feature.maximum):
                raise ValueError(feature.name)
        elif value not in dict(feature.choices):
            raise ValueError(feature.name)
        cleaned[feature.name] = value
    return cleaned


def model_inputs(application: dict) -> dict:
    """The model's view of a cleaned application (scaled to the data set's units)."""
    return {f.name: (Decimal(application[f.name]) / f.scale if f.numeric and f.scale != 1 and application[f.name] is not None else application[f.name])
            for f in FEATURES}
