"""dunforce: prevent and collect unpaid rent with scenarios that compile to a pure step function.

The public API is the names below; everything else is private to its module.
"""

from dunforce.attributes import (
    HOUSING_SCHEMA,
    AttributeSpec,
    DerivedAttribute,
    Schema,
    ValueType,
)
from dunforce.batch import RunResult
from dunforce.calendar import Calendar
from dunforce.channels import DEFAULT_CHANNELS, Channel, ChannelRegistry
from dunforce.channels.window import ContactWindow
from dunforce.datafix import Datafix
from dunforce.dsl import CheckedModule, check, check_file, format_source, parse
from dunforce.errors import (
    DataError,
    Diagnostic,
    DslError,
    DunforceError,
    EvaluationError,
    Span,
    StateError,
)
from dunforce.program import Program, compile, load

# ``dunforce.simulate`` is the function; its package stays importable as dunforce.simulate.*
from dunforce.simulate import (
    Comparison,
    PaymentBehaviour,
    SimulationResult,
    compare,
    simulate,
)
from dunforce.state import (
    OUTCOMES,
    AccountState,
    Action,
    Adjustment,
    Charge,
    Event,
    Instalment,
    Issued,
    Payment,
    Plan,
    Rejection,
)
from dunforce.synthetic import PortfolioMix, synthetic_portfolio
from dunforce.tables import Portfolio, Rejected
from dunforce.templates import Message, RenderError, TemplateSet

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_CHANNELS",
    "HOUSING_SCHEMA",
    "OUTCOMES",
    "AccountState",
    "Action",
    "Adjustment",
    "AttributeSpec",
    "Calendar",
    "Channel",
    "ChannelRegistry",
    "Charge",
    "CheckedModule",
    "Comparison",
    "ContactWindow",
    "DataError",
    "Datafix",
    "DerivedAttribute",
    "Diagnostic",
    "DslError",
    "DunforceError",
    "EvaluationError",
    "Event",
    "Instalment",
    "Issued",
    "Message",
    "Payment",
    "PaymentBehaviour",
    "Plan",
    "Portfolio",
    "PortfolioMix",
    "Program",
    "Rejected",
    "Rejection",
    "RenderError",
    "RunResult",
    "Schema",
    "SimulationResult",
    "Span",
    "StateError",
    "TemplateSet",
    "ValueType",
    "__version__",
    "check",
    "check_file",
    "compare",
    "compile",
    "format_source",
    "load",
    "parse",
    "simulate",
    "synthetic_portfolio",
]
