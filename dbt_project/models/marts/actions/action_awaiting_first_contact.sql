-- MQLs handed to sales that nobody has contacted yet, with their SLA deadline
-- (sla.first_contact_hours after the notification; on the business clock when
-- sla.first_contact_clock = business): 'due' before the deadline, 'overdue' after it; on the
-- weekly working view when the deadline falls within actions.horizon_days (or has passed).

select
    j.lead_id,
    j.cycle_number,
    j.sfa_lead_id,
    j.person_name,
    j.email,
    j.account_name,
    j.segment,
    j.original_channel,
    j.owner,
    j.owner_team,
    j.owner_manager,
    j.grade,
    j.score,
    j.notified_at,
    j.first_contact_due_at,
    case when j.sla_first_contact_met = false then 'overdue' else 'due' end as sla_status,
    {{ seconds_between('j.notified_at', 'j.as_of') }} / cast(3600 as double) as hours_waiting,
    coalesce(cast({{ to_business_time('j.first_contact_due_at') }} as date) <= a.action_horizon_date, true)
        as is_within_horizon
from {{ ref('lead_journey') }} as j
cross join {{ ref('int_as_of') }} as a
where j.notified_at is not null
    and j.first_contact_at is null
    and j.decision = 'pending'
