-- The SFA -> MA feedback file: for every hand-off, what sales decided and what came of it, keyed
-- by the MA lead id so the MA can import it (status, non-SQL reason, won / lost, amount).

with opportunities as (
    select
        person_id,
        cycle_number,
        max(case when is_won then 1 else 0 end) = 1 as has_won,
        max(case when is_lost then 1 else 0 end) = 1 as has_lost,
        sum(case when is_won then amount_reporting end) as won_amount
    from {{ ref('int_opportunity_amounts') }}
    group by person_id, cycle_number
)

select
    s.ma_lead_id,
    s.sfa_lead_id,
    j.lead_id,
    j.cycle_number,
    s.email,
    s.status as sfa_status,
    j.decision,
    j.decided_at,
    j.non_sql_reason,
    j.non_sql_reason_detail,
    case when o.has_won then 'won' when o.has_lost then 'lost' when j.opportunity_reached_at is not null then 'open' end
        as opportunity_outcome,
    cast(o.won_amount as decimal(18, 2)) as won_amount,
    {{ rule('reporting_currency') }} as currency,
    j.grade,
    s.modified_at as sfa_updated_at
from {{ ref('stg_sfa__leads') }} as s
inner join {{ ref('lead_journey') }} as j on j.sfa_lead_id = s.sfa_lead_id
left join opportunities as o on o.person_id = j.lead_id and o.cycle_number = j.cycle_number
