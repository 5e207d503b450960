-- Is the MQL definition right? MQL -> SQL conversion of the MQLs the MA produced (recorded MQL
-- entries), per cohort month and overall, against the target band: far below says the definition
-- is too loose, far above says it is too strict (missed opportunities). Young cohorts are marked
-- and left out of the overall row; without a loaded source that carries SQL the verdict is
-- not_measurable.

with mqls as (
    select
        j.*,
        {{ cohort_is_young('j.cohort_month', 'o.as_of_local_date') }} as is_young
    from {{ ref('lead_journey') }} as j
    cross join {{ ref('int_as_of') }} as o
    where j.mql_at is not null
),

periods as (
    select cohort_month, is_young, lead_id, sql_reached_at, meets_mql_rule from mqls
    union all
    select cast(null as date), false, lead_id, sql_reached_at, meets_mql_rule from mqls where not is_young
),

rates as (
    select
        cohort_month,
        is_young,
        count(*) as mql_leads,
        {{ count_where('sql_reached_at is not null') }} as sql_leads,
        {{ when_measurable(['stage:sql'],
            'cast(sum(case when sql_reached_at is not null then 1 else 0 end) as double) / count(*)') }}
            as mql_to_sql_rate,
        cast(sum(case when meets_mql_rule then 1 else 0 end) as double) / count(*)
            as share_meeting_mql_rule
    from periods
    group by cohort_month, is_young
)

select
    r.*,
    b.low as target_low,
    b.high as target_high,
    case
        when r.mql_to_sql_rate is null then 'not_measurable'
        when r.is_young then 'too_young'
        else case band_status(r.mql_to_sql_rate, b.low, b.high, r.mql_leads, {{ rule('target_min_sample_size') }})
            when 'below' then 'too_loose'
            when 'above' then 'too_strict'
            else band_status(r.mql_to_sql_rate, b.low, b.high, r.mql_leads, {{ rule('target_min_sample_size') }})
        end
    end as verdict,
    {{ rule('target_mql_per_month') }} as target_mql_per_month
from rates as r
inner join {{ source('config', 'target_bands') }} as b on b.kpi = 'mql_to_sql'
