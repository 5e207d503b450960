-- MQLs handed to sales this week (the week in progress, Monday to Sunday in the business time
-- zone), with their follow-up so far: contacted, awaiting (deadline ahead) or overdue.

select
    j.owner_manager,
    j.owner,
    j.owner_team,
    j.notified_at,
    j.first_contact_due_at,
    j.first_contact_at,
    case
        when j.first_contact_at is not null then 'contacted'
        when j.sla_first_contact_met = false then 'overdue'
        else 'awaiting'
    end as follow_up,
    j.decision,
    j.grade,
    j.score,
    j.person_name,
    j.email,
    j.account_name,
    j.segment,
    j.original_channel,
    j.sfa_lead_id,
    j.lead_id,
    j.cycle_number
from {{ ref('lead_journey') }} as j
cross join {{ ref('int_as_of') }} as a
where j.notified_at is not null
    and cast({{ to_business_time('j.notified_at') }} as date) >= a.as_of_week
    and j.notified_at <= a.as_of
