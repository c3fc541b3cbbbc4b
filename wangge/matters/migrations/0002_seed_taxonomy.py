from django.db import migrations


def seed(apps, schema_editor):
    from wangge.matters import taxonomy

    taxonomy.seed(apps)


class Migration(migrations.Migration):
    dependencies = [("matters", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
