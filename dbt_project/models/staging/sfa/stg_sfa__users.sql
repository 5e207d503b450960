with source as (
    {{ latest_version('sfa_users') }}
),

renamed as (
    select
        user_name,
        user_id,
        role,
        team,
        manager_name,
        office,
        email,
        coalesce(is_active, true) as is_active
    from source
)

select * from renamed
