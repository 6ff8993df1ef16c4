# Its own migration (its own transaction on PostgreSQL), after 0005 filled the column.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lending", "0005_servicing")]

    operations = [
        migrations.AlterField(model_name="investment", name="acquired_on", field=models.DateField()),
    ]
