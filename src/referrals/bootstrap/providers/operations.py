from dishka import Provider, Scope, provide

from referrals.adapters.clock import SystemClock
from referrals.adapters.domain_names import IdnaDomainNames
from referrals.application.ports.common import Clock
from referrals.application.use_cases.check_readiness import CheckReadiness
from referrals.domain.emails import DomainNames


class OperationsProvider(Provider):
    """What every area shares: the clock, domain-name rules, and the readiness check."""

    clock = provide(SystemClock, provides=Clock, scope=Scope.APP)
    domain_names = provide(IdnaDomainNames, provides=DomainNames, scope=Scope.APP)
    check_readiness = provide(CheckReadiness, scope=Scope.REQUEST)
