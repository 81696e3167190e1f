from dishka import Provider, Scope, provide, provide_all

from referrals.adapters.persistence.conversions import SqlaConversionRepository
from referrals.adapters.persistence.programme import SqlaProgrammeRepository
from referrals.adapters.persistence.referrals import SqlaReferralQueries, SqlaReferralRepository
from referrals.adapters.persistence.referrer_stats import SqlaReferrerStatsQueries
from referrals.adapters.persistence.reward_queries import SqlaRewardQueries
from referrals.adapters.persistence.rewards import SqlaRewardRepository
from referrals.adapters.persistence.tally_recount import SqlaTallyRecount
from referrals.application.ports.programme import ProgrammeRepository
from referrals.application.ports.referrals import ReferralQueries, ReferralRepository
from referrals.application.ports.referrer_stats import ReferrerStatsQueries, TallyRecount
from referrals.application.ports.rewards import ConversionRepository, RewardQueries, RewardRepository
from referrals.application.use_cases.list_referrals import BrowseReferrals, ListReferrals
from referrals.application.use_cases.list_rewards import ListRewards
from referrals.application.use_cases.mature_rewards import MatureRewards
from referrals.application.use_cases.programme import GetProgramme, SetProgramme
from referrals.application.use_cases.record_conversion import RecordConversion
from referrals.application.use_cases.recount_tallies import RecountTallies
from referrals.application.use_cases.referrer_stats import GetReferrerStats
from referrals.application.use_cases.settle_rewards import RedeemReward, VoidReward
from referrals.application.use_cases.void_referral import VoidReferral


class ReferralsProvider(Provider):
    """The programme: its terms, conversions, referrals and rewards; writes on the request's session."""

    scope = Scope.REQUEST

    # Committed reads: no session, one for the whole process.
    referral_queries = provide(SqlaReferralQueries, provides=ReferralQueries, scope=Scope.APP)
    referral_repository = provide(SqlaReferralRepository, provides=ReferralRepository)
    programme = provide(SqlaProgrammeRepository, provides=ProgrammeRepository)
    conversions = provide(SqlaConversionRepository, provides=ConversionRepository)
    reward_queries = provide(SqlaRewardQueries, provides=RewardQueries, scope=Scope.APP)
    referrer_stats = provide(SqlaReferrerStatsQueries, provides=ReferrerStatsQueries, scope=Scope.APP)
    reward_repository = provide(SqlaRewardRepository, provides=RewardRepository)
    tally_recount = provide(SqlaTallyRecount, provides=TallyRecount)

    use_cases = provide_all(
        ListReferrals,
        BrowseReferrals,
        GetReferrerStats,
        RecountTallies,
        ListRewards,
        GetProgramme,
        SetProgramme,
        RecordConversion,
        VoidReferral,
        RedeemReward,
        VoidReward,
        MatureRewards,
    )
