from django.db import migrations, models


def mark_charity(apps, schema_editor):
    """An existing top category named 公益 becomes the charity category."""
    Category = apps.get_model("crowdfunding", "Category")
    Category.objects.filter(parent__isnull=True, name="公益").update(charity=True)


class Migration(migrations.Migration):

    dependencies = [
        ("crowdfunding", "0002_backers_help"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="charity",
            field=models.BooleanField(default=False, help_text="公益: open only to owners verified as charity organisations"),
        ),
        migrations.RunPython(mark_charity, migrations.RunPython.noop),
    ]
