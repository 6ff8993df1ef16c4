"""Back office for lending: loan products, the application review queue, full
review, and collection of overdue loans."""
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import add_application_error
from peerfund.lending.cost import rate_ceiling
from peerfund.lending.forms import CollectionNoteForm, ProductForm
from peerfund.lending.models import (
    ApplicationDocument,
    ClaimListing,
    CollectionTask,
    DisbursementRequest,
    Loan,
    LoanApplication,
    LoanProduct,
    RepaymentInstalment,
)
from peerfund.lending.services.collection import collection_note
from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request
from peerfund.lending.services.origination import application_review
from peerfund.lending.services.products import product_save


@staff_permission_required("manage_products")
def products(request):
    return render(request, "lending/backoffice/products.html", {"products": LoanProduct.objects.order_by("id")})


@staff_permission_required("manage_products")
def product_edit(request, product_id: int | None = None):
    product = get_object_or_404(LoanProduct, pk=product_id) if product_id else None
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            product_save(staff=request.user, product=form.product())
        except ApplicationError as error:  # above the legal ceiling: shown at the rate
            add_application_error(form, error)
        else:
            messages.success(request, _("Product saved."))
            return redirect("lending_backoffice:products")
    return render(request, "lending/backoffice/product_edit.html", {"form": form, "product": product, "ceiling": rate_ceiling()})


@staff_permission_required("review_loans")
def applications(request):
    if request.method == "POST":
        application = get_object_or_404(LoanApplication, pk=request.POST.get("application"))
        rate = request.POST.get("annual_rate", "").strip()
        try:
            application_review(
                staff=request.user, application=application, approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""), annual_rate=Decimal(rate) / 100 if rate else None,
            )
        except (ApplicationError, InvalidOperation) as error:
            messages.error(request, getattr(error, "message", _("Enter the rate as a number, e.g. 9.5.")))
        else:
            messages.success(request, _("Done."))
        return redirect("lending_backoffice:applications")
    queue = LoanApplication.objects.filter(status__in=LoanApplication.PENDING).select_related("borrower", "product", "decision", "first_reviewer")
    recent = LoanApplication.objects.exclude(status__in=LoanApplication.PENDING).select_related("borrower", "product")[:20]
    return render(request, "lending/backoffice/applications.html", {"queue": queue, "recent": recent})


@staff_permission_required("review_loans")
def document(request, document_id: int):
    doc = get_object_or_404(ApplicationDocument, pk=document_id)
    audit_record(actor=request.user, action="application.document_view", obj=doc.application, data={"document": doc.pk})
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type)


@staff_permission_required("review_loans")
def disbursements(request):
    if request.method == "POST":
        try:
            if request.POST.get("loan"):
                disbursement_request(staff=request.user, loan=get_object_or_404(Loan, pk=request.POST["loan"]))
            else:
                pending = get_object_or_404(DisbursementRequest, pk=request.POST.get("request"))
                disbursement_decide(staff=request.user, request=pending, approve=request.POST.get("decision") == "approve", reason=request.POST.get("reason", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Done."))
        return redirect("lending_backoffice:disbursements")
    context = {
        "full": Loan.objects.filter(status=Loan.Status.FULL, disbursement__isnull=True).select_related("borrower"),
        "pending": DisbursementRequest.objects.filter(status=DisbursementRequest.Status.PENDING).select_related("loan", "requested_by"),
        "recent": DisbursementRequest.objects.exclude(status=DisbursementRequest.Status.PENDING).select_related("loan", "decided_by")[:20],
    }
    return render(request, "lending/backoffice/disbursements.html", context)


@staff_permission_required("collect_debts")
def collection_tasks(request):
    """Overdue loans to work: mine first, then everyone's."""
    tasks = CollectionTask.objects.filter(status__in=CollectionTask.ACTIVE).select_related("loan__borrower", "assignee")
    mine = [t for t in tasks if t.assignee_id == request.user.pk]
    return render(request, "lending/backoffice/collection.html", {"mine": mine, "others": [t for t in tasks if t.assignee_id != request.user.pk],
                                                                   "closed": CollectionTask.objects.filter(status="closed").select_related("loan")[:20]})


@staff_permission_required("collect_debts")
def collection_task(request, task_id: int):
    task = get_object_or_404(CollectionTask.objects.select_related("loan__borrower", "loan__product", "assignee"), pk=task_id)
    form = CollectionNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            collection_note(staff=request.user, task=task, kind=data["kind"], note=data["note"], promised_fen=data.get("promised"), promised_by=data.get("promised_by"))
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Logged."))
            return redirect("lending_backoffice:collection_task", task_id=task.pk)
    instalments = task.loan.instalments.filter(status__in=RepaymentInstalment.UNPAID).order_by("number")
    return render(request, "lending/backoffice/collection_task.html", {"task": task, "form": form, "instalments": instalments, "notes": task.notes.select_related("staff")},
                  status=400 if form.errors else 200)


@staff_permission_required("review_loans")
def claims(request):
    """The claims market as staff see it: every listing by status, with its seller,
    its loan, what is left and the purchases made from it."""
    status = request.GET.get("status", ClaimListing.Status.LISTED)
    listings = ClaimListing.objects.select_related("investment__loan", "seller").prefetch_related("purchases__buyer").order_by("-id")
    if status in ClaimListing.Status.values:
        listings = listings.filter(status=status)
    return render(request, "lending/backoffice/claims.html", {"listings": listings[:200], "status": status, "statuses": ClaimListing.Status.choices})
