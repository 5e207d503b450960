-- One row per hand-off (MQL notification) and SLA rule that applies to it: met, missed (false)
-- or pending (null: the deadline has not passed). Rules that do not apply are left out: attempts
-- only for leads never reached, the non-SQL reason only for non-SQL decisions, and the BANT rule
-- (bant.sql_min_yes of budget, authority, need, timeline confirmed) only for SQL decisions and
-- only when a loaded SFA file carries BANT. `all` is the hand-off agreement's four rules
-- together (first contact, attempts, decision, reason); the BANT rule is a separate conformance.
-- The month is the notification's (business time zone) for every rule.

with handoffs as (
    select j.*
    from {{ ref('lead_journey') }} as j
    where j.notified_at is not null
),

by_rule as (
    {%- set rules = [('first_contact', 'sla_first_contact_met', 'true'),
                     ('attempts', 'sla_attempts_met', 'sla_attempts_met is not null'),
                     ('decision', 'sla_decision_met', 'true'),
                     ('reason', 'sla_reason_met', 'sla_reason_met is not null'),
                     ('bant', 'bant_rule_met', "decision = 'sql' and " ~ is_measurable('sla:bant')),
                     ('all', 'sla_all_met', 'true')] %}
    {%- for rule_name, column, applies in rules %}
    select
        lead_id, cycle_number, notified_month, owner_team, owner,
        '{{ rule_name }}' as sla_rule, {{ column }} as met, hours_to_first_contact
    from handoffs
    where {{ applies }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    lead_id,
    cycle_number,
    notified_month,
    coalesce(owner_team, {{ no_value() }}) as team,
    coalesce(owner, {{ no_value() }}) as owner,
    sla_rule,
    met,
    met is null as is_pending,
    hours_to_first_contact
from by_rule
