-- Hand-off SLA compliance per month (of the MQL notification, business time zone), team, rep and
-- rule. Each hand-off is met, missed, or pending (deadline not passed yet); rules that do not
-- apply to a hand-off (e.g. the 3-attempt rule for a lead that was reached) are left out.

with handoffs as (
    select j.*
    from {{ ref('lead_journey') }} as j
    where j.notified_at is not null
),

by_rule as (
    {%- set rules = [('first_contact', 'sla_first_contact_met'), ('attempts', 'sla_attempts_met'),
                     ('decision', 'sla_decision_met'), ('reason', 'sla_reason_met'),
                     ('all', 'sla_all_met')] %}
    {%- for rule_name, column in rules %}
    select
        notified_month, coalesce(owner_team, {{ no_value() }}) as team, coalesce(owner, {{ no_value() }}) as owner,
        '{{ rule_name }}' as sla_rule, {{ column }} as met, hours_to_first_contact,
        {% if rule_name in ('first_contact', 'decision', 'all') %}true{% else %}{{ column }} is not null{% endif %}
            as applies
    from handoffs
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    notified_month,
    team,
    owner,
    sla_rule,
    count(*) as handoffs,
    {{ count_where('met') }} as met,
    {{ count_where('met = false') }} as missed,
    {{ count_where('met is null') }} as pending,
    cast(sum(case when met then 1 else 0 end) as double)
        / nullif(sum(case when met is not null then 1 else 0 end), 0) as compliance_rate,
    avg(hours_to_first_contact) as avg_hours_to_first_contact,
    {{ rule('target_sla_compliance_min') }} as target_compliance_min
from by_rule
where applies
group by notified_month, team, owner, sla_rule
