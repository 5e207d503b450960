-- Current SLA breaches to escalate, one row per open hand-off and breached rule, for the owner's
-- manager: no first contact within the deadline, or no SQL / non-SQL decision within
-- sla.decision_business_days business days.

with open_handoffs as (
    select * from {{ ref('lead_journey') }}
    where notified_at is not null and decision = 'pending'
),

breaches as (
    select j.*, 'first_contact' as sla_rule from open_handoffs as j where j.sla_first_contact_met = false
    union all
    select j.*, 'decision' from open_handoffs as j where j.sla_decision_met = false
)

select
    coalesce(b.owner_manager, {{ no_value() }}) as manager,
    b.owner,
    b.owner_team,
    b.sla_rule,
    b.lead_id,
    b.cycle_number,
    b.sfa_lead_id,
    b.person_name,
    b.account_name,
    b.notified_at,
    b.first_contact_due_at,
    b.attempts_before_decision,
    {{ seconds_between('b.notified_at', 'b.as_of') }} / cast(3600 as double) as hours_since_notified
from breaches as b
