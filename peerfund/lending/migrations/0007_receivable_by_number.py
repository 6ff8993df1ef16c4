import django.db.models.deletion
from django.db import migrations, models

from peerfund.core.dbtriggers import run_on_postgresql

# A repayment updates its receivables' received amounts, which no index covers: with
# room left in each page PostgreSQL can update them in place (HOT), without touching
# the indexes. New pages get it; `VACUUM FULL lending_receivable` rewrites old ones.
FILLFACTOR = "ALTER TABLE lending_receivable SET (fillfactor = 80);"


class Migration(migrations.Migration):

    dependencies = [
        ('lending', '0006_investment_acquired_on_required'),
    ]

    operations = [
        run_on_postgresql(FILLFACTOR, "ALTER TABLE lending_receivable RESET (fillfactor);"),
        migrations.AlterField(
            model_name='receivable',
            name='investment',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='receivables', to='lending.investment'),
        ),
        migrations.AddIndex(
            model_name='receivable',
            index=models.Index(fields=['investment', 'number'], name='receivable_by_number'),
        ),
    ]
