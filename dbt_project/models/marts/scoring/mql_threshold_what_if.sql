-- What-if for the MQL definition: for alternative thresholds of the scoring model in use (fit
-- minimum x engagement minimum, or the additive score minimum; rules: scoring.<model>.what_if),
-- how many leads would have been MQLs on past data and how many of them reached SQL. Leads are
-- judged on their fit and engagement (or additive score) over the whole history; only leads known
-- long enough ago to judge (maturity) count. is_current marks today's thresholds.

with leads as (
    select
        j.lead_id,
        max(j.fit_score) as fit_score,
        max(j.engagement_score_total) as engagement_score,
        max(j.score_total) as score,
        max(case when j.sql_reached_at is not null then 1 else 0 end) as reached_sql,
        max(case when j.mql_at is not null then 1 else 0 end) as was_mql,
        min(j.known_month) as known_month
    from {{ ref('lead_journey') }} as j
    cross join {{ ref('int_as_of') }} as o
    where not {{ cohort_is_young('j.known_month', 'o.as_of_local_date') }}
    group by j.lead_id
),

months as (
    select count(distinct known_month) as months from leads
)

select
    t.fit_min,
    t.engagement_min,
    t.score_min,
    coalesce(t.fit_min = {{ rule('mql_fit_min') }}, true) and coalesce(t.engagement_min = {{ rule('mql_engagement_min') }}, true)
        and coalesce(t.score_min = {{ rule('mql_score_min') }}, true) as is_current,
    count(l.lead_id) as would_be_mql_leads,
    cast(count(l.lead_id) as double) / nullif(max(m.months), 0) as would_be_mqls_per_month,
    {{ count_where('l.reached_sql = 1') }} as sql_leads,
    {{ when_measurable(['stage:sql'],
        'cast(sum(coalesce(l.reached_sql, 0)) as double) / nullif(count(l.lead_id), 0)') }} as mql_to_sql_rate,
    {{ count_where('l.was_mql = 1') }} as already_mql_leads
from {{ source('config', 'what_if_thresholds') }} as t
cross join months as m
left join leads as l
    on coalesce(l.fit_score >= t.fit_min, true) and coalesce(l.engagement_score >= t.engagement_min, true)
    and coalesce(l.score >= t.score_min, true)
group by t.fit_min, t.engagement_min, t.score_min
