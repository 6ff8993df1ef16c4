"""Back office for lending: loan products."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.lending.forms import ProductForm
from peerfund.lending.models import LoanProduct
from peerfund.lending.services.products import product_save


@staff_permission_required("manage_products")
def products(request):
    return render(request, "lending/backoffice/products.html", {"products": LoanProduct.objects.order_by("id")})


@staff_permission_required("manage_products")
def product_edit(request, product_id: int | None = None):
    product = get_object_or_404(LoanProduct, pk=product_id) if product_id else None
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        product_save(staff=request.user, product=form.product())
        messages.success(request, _("Product saved."))
        return redirect("lending_backoffice:products")
    return render(request, "lending/backoffice/product_edit.html", {"form": form, "product": product})
