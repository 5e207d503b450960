-- Lead quality by score band: of the MQL cycles (recorded MQLs of mature cohorts; demo requests
-- that skipped MQL are left out) whose score at MQL time (model in use)
-- falls in each band, how many reached SQL and won, and the lift over the average.

with mqls as (
    select j.*
    from {{ ref('lead_journey') }} as j
    cross join {{ ref('int_as_of') }} as o
    where j.mql_at is not null
        and not {{ cohort_is_young('j.cohort_month', 'o.as_of_local_date') }}
),

banded as (
    select
        m.*,
        (select max(b.band_order) from {{ source('config', 'score_bands') }} as b
         where m.score >= b.lower_score) as band_order
    from mqls as m
),

overall as (
    select
        cast(sum(case when sql_reached_at is not null then 1 else 0 end) as double) / count(*) as sql_rate,
        cast(sum(case when won_reached_at is not null then 1 else 0 end) as double) / count(*) as won_rate
    from mqls
),

bands as (
    select
        b.band_order,
        b.band_label,
        b.lower_score,
        b.upper_score,
        count(m.lead_id) as mql_leads,
        {{ count_where('m.sql_reached_at is not null') }} as sql_leads,
        {{ count_where('m.won_reached_at is not null') }} as won_leads
    from {{ source('config', 'score_bands') }} as b
    left join banded as m on m.band_order = b.band_order
    group by b.band_order, b.band_label, b.lower_score, b.upper_score
)

select
    b.*,
    {{ when_measurable(['stage:sql'], 'cast(b.sql_leads as double) / nullif(b.mql_leads, 0)') }}
        as mql_to_sql_rate,
    {{ when_measurable(['stage:won'], 'cast(b.won_leads as double) / nullif(b.mql_leads, 0)') }}
        as mql_to_won_rate,
    {{ when_measurable(['stage:sql'],
        '(cast(b.sql_leads as double) / nullif(b.mql_leads, 0)) / nullif(o.sql_rate, 0)') }} as sql_lift,
    {{ when_measurable(['stage:won'],
        '(cast(b.won_leads as double) / nullif(b.mql_leads, 0)) / nullif(o.won_rate, 0)') }} as won_lift
from bands as b
cross join overall as o
