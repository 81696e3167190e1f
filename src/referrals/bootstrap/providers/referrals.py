from dishka import Provider, Scope, provide

from referrals.adapters.persistence.users import SqlaReferralQueries
from referrals.application.ports.referrals import ReferralQueries
from referrals.application.use_cases.list_referrals import ListReferrals


class ReferralsProvider(Provider):
    referral_queries = provide(SqlaReferralQueries, provides=ReferralQueries, scope=Scope.REQUEST)
    list_referrals = provide(ListReferrals, scope=Scope.REQUEST)
