with source as (
    {{ latest_version('sfa_activities') }}
),

renamed as (
    select
        -- ids
        activity_id,
        sfa_lead_id,
        opportunity_id,

        -- what
        owner,
        activity_type,
        outcome,
        outcome in ('connected', 'appointment_set', 'replied', 'held') as is_reached,
        subject,

        -- timestamps (UTC)
        occurred_at
    from source
)

select * from renamed
