"""Write an alloc-trace/1 file that behaves like a public accelerator programme."""

from django.core.management.base import BaseCommand

from deployment.allocation.generate import dumps, generate


class Command(BaseCommand):
    help = (
        "Generate an alloc-trace/1 trace: dropouts, idle starts, bursty training, daily inference."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--tenants", type=int, default=300)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, **options):
        if options["tenants"] < 1 or options["days"] < 1:
            self.stderr.write("--tenants and --days must be at least 1")
            raise SystemExit(2)
        text = dumps(
            generate(seed=options["seed"], tenants=options["tenants"], days=options["days"])
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text)
        else:
            self.stdout.write(text)
