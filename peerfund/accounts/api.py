"""REST API of the user centre: profile, verification, cards, address book, risk
assessment, trade password, messages, invitation. Another user's objects are always a 404."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from peerfund.accounts.data_rights_views import export_response
from peerfund.accounts.questionnaire import QUESTIONS
from peerfund.accounts.selectors import address_get_for_user, addresses_of, card_get_for_user, cards_of
from peerfund.accounts.services import addresses as address_services
from peerfund.accounts.services import cards as card_services
from peerfund.accounts.services.data_rights import (
    account_close,
    closure_blockers,
    data_export_build,
    identity_confirm,
    profile_update,
)
from peerfund.accounts.services.identity import (
    verification_charity_submit,
    verification_submit_enterprise,
    verification_submit_person,
    verified_identity,
)
from peerfund.accounts.services.invitations import invite_code_of
from peerfund.accounts.services.risk import assessment_submit, current_assessment
from peerfund.accounts.services.security import trade_password_set
from peerfund.accounts.services.tiers import user_tier
from peerfund.core.devices import ip_of
from peerfund.core.errors import ApplicationError, NotFound
from peerfund.core.masking import mask_id_number, mask_name, mask_phone
from peerfund.core.schemas import Id, InputSchema, Limit, StrictId, json_int
from peerfund.notify.events import EVENTS
from peerfund.notify.selectors import messages_of, unread_count
from peerfund.notify.services import channels_for, message_mark_read, preference_set

router = Router(tags=["me"])


class ProfileOut(Schema):
    username: str
    display_name: str
    phone_masked: str
    verified: bool
    verified_name_masked: str
    verified_id_masked: str
    risk_level: str | None
    risk_expires_on: str | None
    tier: str
    has_trade_password: bool
    frozen: bool
    unread_messages: int


@router.get("", response=ProfileOut, summary="My profile (personal data masked)")
def profile(request):
    user = request.user
    identity = verified_identity(user)
    assessment = current_assessment(user)
    return ProfileOut(
        username=user.username,
        display_name=user.display_name,
        phone_masked=mask_phone(user.phone),
        verified=identity is not None,
        verified_name_masked=mask_name(identity.real_name) if identity else "",
        verified_id_masked=mask_id_number(identity.id_number) if identity else "",
        risk_level=assessment.level if assessment else None,
        risk_expires_on=assessment.expires_on.isoformat() if assessment else None,
        tier=user_tier(user).name,
        has_trade_password=bool(user.trade_password),
        frozen=user.is_frozen,
        unread_messages=unread_count(user),
    )


class PersonIn(InputSchema):
    real_name: str
    id_number: str


class EnterpriseIn(InputSchema):
    company_name: str
    credit_code: str
    legal_rep_name: str
    legal_rep_id: str
    charity_registration_no: str = ""  # a charity organisation's own credit code (starts with 5); staff confirm it


class VerificationOut(Schema):
    kind: str
    status: str
    reason: str


@router.post("/verification", response={201: VerificationOut}, summary="Real-name verification")
def verify_person(request, payload: PersonIn):
    v = verification_submit_person(user=request.user, **payload.dict())
    return Status(201, VerificationOut(kind=v.kind, status=v.status, reason=v.reason))


@router.post("/verification/enterprise", response={202: VerificationOut}, summary="Enterprise verification (then reviewed)")
def verify_enterprise(request, payload: EnterpriseIn):
    v = verification_submit_enterprise(user=request.user, **payload.dict())
    return Status(202, VerificationOut(kind=v.kind, status=v.status, reason=v.reason))


class CardIn(InputSchema):
    card_number: str
    holder_name: str


class CardOut(Schema):
    id: int
    bank_code: str
    bank_name: str
    last4: str
    is_default: bool


def _card(card) -> CardOut:
    return CardOut(id=card.pk, bank_code=card.bank_code, bank_name=card.bank_name, last4=card.last4, is_default=card.is_default)


@router.get("/cards", response=list[CardOut], summary="My bound cards")
def card_list(request):
    return [_card(c) for c in cards_of(request.user)]


@router.post("/cards", response={201: CardOut}, summary="Bind a card")
def card_bind(request, payload: CardIn):
    return Status(201, _card(card_services.card_bind(user=request.user, **payload.dict())))


@router.post("/cards/{card_id}/default", response=CardOut, summary="Make a card the default")
def card_default(request, card_id: Id):
    return _card(card_services.card_set_default(user=request.user, card=card_get_for_user(request.user, card_id)))


@router.delete("/cards/{card_id}", response={204: None}, summary="Remove a card")
def card_remove(request, card_id: Id):
    card_services.card_remove(user=request.user, card=card_get_for_user(request.user, card_id))
    return Status(204, None)


class AddressIn(InputSchema):
    recipient: str
    phone: str
    province: str
    city: str
    street: str
    make_default: bool = False


class AddressOut(Schema):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    street: str
    is_default: bool

    @staticmethod
    def of(address) -> "AddressOut":
        return AddressOut(id=address.pk, recipient=address.recipient, phone=address.phone, province=address.province, city=address.city,
                          street=address.street, is_default=address.is_default)


@router.get("/addresses", response=list[AddressOut], summary="My address book (where rewards are shipped)")
def address_list(request):
    return [AddressOut.of(a) for a in addresses_of(request.user)]


@router.post("/addresses", response={201: AddressOut}, summary="Add an address")
def address_create(request, payload: AddressIn):
    return Status(201, AddressOut.of(address_services.address_save(user=request.user, **payload.dict())))


@router.delete("/addresses/{address_id}", response={204: None}, summary="Remove an address")
def address_remove(request, address_id: Id):
    address_services.address_remove(user=request.user, address=address_get_for_user(request.user, address_id))
    return Status(204, None)


class OptionOut(Schema):
    index: int
    label: str


class QuestionOut(Schema):
    key: str
    text: str
    options: list[OptionOut]


@router.get("/risk/questions", response=list[QuestionOut], summary="The risk-tolerance questionnaire")
def risk_questions(request):
    return [
        QuestionOut(key=q.key, text=str(q.text), options=[OptionOut(index=i, label=str(label)) for i, (label, _p) in enumerate(q.options)])
        for q in QUESTIONS
    ]


class RiskIn(InputSchema):
    answers: dict[str, json_int(ge=0, le=100)]


class RiskOut(Schema):
    level: str
    score: int
    expires_on: str


@router.post("/risk", response={201: RiskOut}, summary="Submit the questionnaire")
def risk_submit(request, payload: RiskIn):
    a = assessment_submit(user=request.user, answers=payload.answers)
    return Status(201, RiskOut(level=a.level, score=a.score, expires_on=a.expires_on.isoformat()))


class TradePasswordIn(InputSchema):
    new: str
    current: str | None = None


@router.put("/trade-password", response={204: None}, summary="Set or change the trade password")
def trade_password(request, payload: TradePasswordIn):
    trade_password_set(user=request.user, new=payload.new, current=payload.current)
    return Status(204, None)


class InboxMessageOut(Schema):
    id: int
    event: str
    title: str
    body: str
    created_at: str
    read: bool


@router.get("/messages", response=list[InboxMessageOut], summary="My messages, newest first")
def message_list(request, unread_only: bool = False, limit: Limit = 50):
    rows = messages_of(request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return [
        InboxMessageOut(id=m.pk, event=m.event, title=m.title, body=m.body, created_at=m.created_at.isoformat(), read=m.read_at is not None)
        for m in rows[:limit]
    ]


class ReadIn(InputSchema):
    message_id: StrictId | None = None


class ReadOut(Schema):
    marked: int


@router.post("/messages/read", response=ReadOut, summary="Mark one message (or all) as read")
def message_read(request, payload: ReadIn):
    return ReadOut(marked=message_mark_read(user=request.user, message_id=payload.message_id))


class InvitationOut(Schema):
    code: str
    link: str
    invitees: int


@router.get("/invitation", response=InvitationOut, summary="My invitation code and link")
def invitation(request):
    code = invite_code_of(request.user)
    return InvitationOut(code=code, link=request.build_absolute_uri(f"/invite/{code}/"), invitees=request.user.invitees.count())


class PreferenceOut(Schema):
    event: str
    title: str
    site: bool
    sms: bool
    email: bool
    mandatory: bool


class PreferenceIn(InputSchema):
    site: bool
    sms: bool
    email: bool


@router.get("/messages/preferences", response=list[PreferenceOut], summary="Channels for each kind of message")
def preference_list(request):
    return [
        PreferenceOut(event=event, title=str(spec.title), mandatory=spec.mandatory, **channels_for(request.user, event))
        for event, spec in EVENTS.items()
    ]


@router.put("/messages/preferences/{event}", response=PreferenceOut, summary="Choose the channels for one kind of message")
def preference_update(request, event: str, payload: PreferenceIn):
    spec = EVENTS.get(event)
    if spec is None:
        raise NotFound(_("No such kind of message."), "not_found")
    if spec.mandatory:
        raise ApplicationError(_("Security notices are always sent."), "notify.mandatory", {"event": event})
    preference_set(user=request.user, event=event, **payload.dict())
    return PreferenceOut(event=event, title=str(spec.title), mandatory=False, **channels_for(request.user, event))


# --- personal-data rights (PIPL) and charity status ------------------------------------


class CharityIn(InputSchema):
    charity_registration_no: str


class CharityOut(Schema):
    charity_registration_no: str
    charity_verified: bool


@router.post("/verification/charity", response=CharityOut, summary="Register my verified enterprise as a charity organisation (then confirmed)")
def verify_charity(request, payload: CharityIn):
    v = verification_charity_submit(user=request.user, charity_registration_no=payload.charity_registration_no)
    return CharityOut(charity_registration_no=v.charity_registration_no, charity_verified=v.charity_verified)


class DisplayNameIn(InputSchema):
    display_name: str


@router.patch("/profile", response=ProfileOut, summary="Correct my nickname (verified name and ID: through customer service)")
def profile_patch(request, payload: DisplayNameIn):
    profile_update(user=request.user, display_name=payload.display_name)
    return profile(request)


class PasswordIn(InputSchema):
    password: str


@router.post("/data-export/confirm", response={204: None}, summary="Re-enter my login password: for 10 minutes the export shows my identity unmasked")
def data_export_confirm(request, payload: PasswordIn):
    identity_confirm(user=request.user, password=payload.password)
    return Status(204, None)


@router.get("/data-export", response={200: None}, summary="Download my data (a zip of JSON and CSV files)",
            openapi_extra={"responses": {200: {"description": "The zip file", "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}})
def data_export(request):
    """The verified name and ID number are masked unless the login password was
    confirmed in the last 10 minutes (`POST /data-export/confirm`)."""
    return export_response(data_export_build(user=request.user, ip_address=ip_of(request) or None), request.user)


class BlockerOut(Schema):
    code: str
    message: str
    count: int
    amount_fen: int


class ClosureStatusOut(Schema):
    can_close: bool
    reasons: list[BlockerOut]


@router.get("/closure", response=ClosureStatusOut, summary="Can my account be closed? Every reason it cannot, yet")
def closure_status(request):
    blockers = closure_blockers(request.user)
    return ClosureStatusOut(can_close=not blockers, reasons=[BlockerOut(**b.as_dict()) for b in blockers])


class ClosureIn(InputSchema):
    password: str
    trade_password: str = ""


class ClosureOut(Schema):
    closed_at: str
    personal_data_kept_days: int


@router.post("/closure", response=ClosureOut, summary="Close my account (注销): refused with account.close_blocked while anything is left")
def closure(request, payload: ClosureIn):
    user = account_close(user=request.user, password=payload.password, trade_password=payload.trade_password, ip_address=ip_of(request) or None)
    return ClosureOut(closed_at=user.closed_at.isoformat(), personal_data_kept_days=settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS)
