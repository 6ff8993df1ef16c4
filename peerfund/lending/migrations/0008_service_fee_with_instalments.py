"""The service fee moves from the disbursement (netted from the principal, 砍头息) to
the instalments (分期服务费). Every loan keeps the rate of its product. Loans already
disbursed took their fee at disbursement under the old rule, so their instalments
carry no fee (fee_fen 0, the field's default): nothing is charged twice."""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_product_fee_rates(apps, schema_editor):
    Loan = apps.get_model("lending", "Loan")
    LoanProduct = apps.get_model("lending", "LoanProduct")
    Loan.objects.update(service_fee_rate=Subquery(LoanProduct.objects.filter(pk=OuterRef("product_id")).values("service_fee_rate")[:1]))


def no_fee_on_disbursed_loans(apps, schema_editor):
    RepaymentInstalment = apps.get_model("lending", "RepaymentInstalment")
    RepaymentInstalment.objects.update(fee_fen=0, fee_paid_fen=0)


class Migration(migrations.Migration):

    dependencies = [
        ('lending', '0007_receivable_by_number'),
    ]

    operations = [
        migrations.AddField(
            model_name='loan',
            name='service_fee_rate',
            field=models.DecimalField(decimal_places=4, default=Decimal('0'), max_digits=6),
        ),
        migrations.AddField(
            model_name='repayment',
            name='service_fee_fen',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='repaymentinstalment',
            name='fee_fen',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='repaymentinstalment',
            name='fee_paid_fen',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='loanproduct',
            name='penalty_rate_daily',
            field=models.DecimalField(decimal_places=5, default=Decimal('0.00010'), max_digits=6),
        ),
        migrations.AlterField(
            model_name='loanproduct',
            name='service_fee_rate',
            field=models.DecimalField(decimal_places=4, help_text='the service fee over the whole loan as a share of the principal, charged in equal parts with each instalment (never netted from the principal)', max_digits=6),
        ),
        migrations.AddConstraint(
            model_name='repaymentinstalment',
            constraint=models.CheckConstraint(condition=models.Q(('fee_paid_fen__lte', models.F('fee_fen')), ('fee_paid_fen__gte', 0)), name='instalment_fee_paid_within_due'),
        ),
        migrations.RunPython(copy_product_fee_rates, migrations.RunPython.noop),
        migrations.RunPython(no_fee_on_disbursed_loans, migrations.RunPython.noop),
    ]
