{#- Incremental strategy `replace_visitors` for visitor-level models: delete
    every row of the changed visitors, then insert their recomputed rows. A
    visitor who now has no rows (they turned out to be a bot) is deleted
    and not re-inserted. Runs in the model's transaction. -#}
{% macro get_incremental_replace_visitors_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ target }}
    where visitor_id in ({{ changed_visitors_sql() }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
