"""An endpoint's model health from the command line: drift per input and overall, answers per
day and accuracy on reported labels, over its last N days."""

import json

from django.core.management.base import BaseCommand, CommandError

from deployment.health.observe import flush
from deployment.health.summary import MAX_DAYS, endpoint_health
from deployment.models import Endpoint


class Command(BaseCommand):
    help = "Print an endpoint's model health: input drift, answers per day, live accuracy."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the endpoint's name, as clients call it")
        parser.add_argument("--days", type=int, default=7, help=f"1 to {MAX_DAYS} (default 7)")
        parser.add_argument("--company", help="the company's name, when two use the same name")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        if not 1 <= options["days"] <= MAX_DAYS:
            raise CommandError(f"--days must be 1 to {MAX_DAYS}.")
        endpoints = Endpoint.objects.filter(name=options["name"]).exclude(
            state=Endpoint.State.DELETED
        )
        if options["company"]:
            endpoints = endpoints.filter(company__name=options["company"])
        found = list(endpoints.select_related("version__family", "company")[:2])
        if not found:
            raise CommandError(f"No endpoint is called {options['name']!r}.")
        if len(found) > 1:
            raise CommandError(
                f"More than one company has an endpoint called {options['name']!r}; "
                "name one with --company."
            )
        flush()  # what this process observed; the servers' own flush every few seconds
        report = endpoint_health(found[0], days=options["days"])
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(human(report))


def human(report):
    drift, accuracy = report["drift"], report["accuracy"]
    lines = [
        f"{report['endpoint']} ({report['model']}), {report['from']} – {report['to']}",
        f"requests sketched: {drift['rows']}",
    ]
    if drift["reference"] is None:
        lines.append("drift: no reference yet (the first requests become one)")
    else:
        lines.append(
            f"drift (PSI, alert at {report['thresholds']['psi_alert_at']}): "
            f"overall {drift['overall']}"
        )
        lines += [f"  {i['name']}: {i['psi']} ({i['level']})" for i in drift["inputs"]]
    if accuracy["labelled"]:
        lines.append(
            f"accuracy on {accuracy['labelled']} labels: {accuracy['metric']} {accuracy['value']}"
        )
    else:
        lines.append("accuracy: no labels reported yet")
    lines += [f"alert: {a['kind']} {a['value']} since {a['raised']}" for a in report["alerts"]]
    return "\n".join(lines)
