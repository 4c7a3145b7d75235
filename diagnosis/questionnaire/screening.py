"""The quick start: eleven questions of the readiness questionnaire, answered on one page in
about five minutes, that place a firm on the smart-factory levels and rank its use cases well
enough to open the data check and matching at once.

The questions are the ones the use cases' feasibility rests on (machine data, its history,
granularity and labels, inspection, network), plus the KPIs the firm cares about (which weigh
the use cases' impact) and one question each for strategy, people and energy, so that seven of
the eight dimensions get a score. The level is approximate: the full diagnosis asks 50
questions of several teammates, replaces the screening's figures when it is submitted, and
starts with the screening's answers already filled in.
"""

# In the order asked. Each must exist in the questionnaire (checked by the tests); a question
# shown only after another (data history after "recorded digitally?") follows that one.
QUESTIONS = (
    "digital_strategy",
    "machine_connectivity",
    "quality_inspection",
    "data_collected_digitally",
    "data_history_years",
    "data_granularity",
    "data_labels",
    "plant_network",
    "digital_skills",
    "energy_metering",
    "kpi_priority",
)
MINUTES = 5


def screening_questions(spec):
    """The screening's questions from ``spec``, in the order asked."""
    return [spec.questions[code] for code in QUESTIONS if code in spec.questions]
