-- Records that have left their source: the newest full export of the mapping that loaded them no
-- longer holds them. They stay in the raw layer (with every version) and leave the current marts;
-- this lists them with the load that removed them, the last load that held them, and the file and
-- line their last version was read from.

{%- set extracts = versioned_extracts() %}
{%- set removable = [] %}
{%- for name in extracts %}{% if extracts[name][0] | length == 1 %}{% do removable.append(name) %}{% endif %}{% endfor %}

{%- for name in removable %}
select
    '{{ name }}' as extract,
    cast({{ extracts[name][0][0] }} as {{ dbt.type_string() }}) as record_id,
    versions._removed_by_load_id as removed_by_load_id,
    coalesce(held.load_id, versions._load_id) as last_seen_load_id,
    coalesce(held.file_name, versions._file_name) as last_seen_file,
    versions._file_name as source_file,
    versions._line_number as source_line
from ({{ record_versions(name) }}) as versions
-- the last export that held the row: the one before the export of its mapping that dropped it
left join (
    select load_id, file_name, mapping,
           lead(load_id) over (partition by mapping order by loaded_at, load_id) as next_load_id
    from {{ source('meta', 'load_manifest') }}
    where extract = '{{ name }}' and status = 'loaded' and export_kind = 'full'
) as held on held.mapping = versions._mapping and held.next_load_id = versions._dropped_by_load_id
where versions._version_rank = 1 and versions._removed_by_load_id is not null
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
