{#- The incremental platform of the visitor-level models, in one place.
    A model is plain SQL over all rows; this materialization decides how
    much of it to run (incremental_plan) and writes it per engine:
      - change log (config unique_key, stg_events__classified): the model
        reads its own table to find the rows whose fate can change and
        returns them; they replace the rows with the same key, stamped with
        processed_at;
      - visitor-level models: every visitor-level input is read as the rows
        of the visitors whose change-log rows were written after this
        model's watermark (filter_visitor_inputs); those visitors' rows are
        replaced, a visitor with no rows left is removed.
    DuckDB deletes and inserts in the model's transaction, with the build
    record (platform.model_builds), so a build killed half way leaves the
    table and its watermark as they were. -#}
{% materialization visitor_incremental, adapter='duckdb' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set plan = incremental_plan() -%}
    {%- set unique_key = config.get('unique_key') -%}
    {{ log(model.name ~ ": " ~ plan.mode ~ " build (" ~ plan.reason ~ ")",
        info=(plan.mode == 'full' and plan.previous is not none)) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- set processed_through = none if unique_key else change_log_watermark() -%}

    {%- if plan.mode == 'full' -%}
        {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
        {%- set backup_relation = make_backup_relation(target_relation, 'table') -%}
        {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
        {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}
        {%- call statement('main') -%}
            {{ create_table_as(False, intermediate_relation, visitor_model_rows_sql(sql)) }}
        {%- endcall -%}
        {%- if existing_relation is not none -%}
            {{ adapter.rename_relation(existing_relation, backup_relation) }}
        {%- endif -%}
        {{ adapter.rename_relation(intermediate_relation, target_relation) }}
    {%- else -%}
        {%- set new_rows = make_temp_relation(target_relation, '__new_rows') -%}
        {%- if unique_key -%}
            {%- set model_sql = sql -%}
            {%- set replaced -%}
                {{ unique_key }} in (select {{ unique_key }} from {{ new_rows }})
            {%- endset -%}
        {%- else -%}
            {%- set changed = make_temp_relation(target_relation, '__changed_visitors') -%}
            {%- call statement('changed_visitors') -%}
                create or replace temporary table {{ changed }} as
                {{ changed_visitors_sql(plan.previous.processed_through) }}
            {%- endcall -%}
            {%- set model_sql = filter_visitor_inputs(sql, changed) -%}
            {%- set replaced -%}
                visitor_id in (select visitor_id from {{ changed }})
            {%- endset -%}
        {%- endif -%}
        {%- call statement('new_rows') -%}
            create or replace temporary table {{ new_rows }} as
            {{ visitor_model_rows_sql(model_sql) }}
        {%- endcall -%}
        {%- set rows_changed = run_query(
            'select count(*) from ' ~ (new_rows if unique_key else changed)
        ).columns[0].values()[0] -%}
        {%- call statement('main') -%}
            delete from {{ target_relation }} where {{ replaced }};
            insert into {{ target_relation }} by name
            select * from {{ new_rows }}
        {%- endcall -%}
    {%- endif -%}
    {% do record_model_build(plan, processed_through,
        rows_changed if plan.mode == 'incremental' else none) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {%- if plan.mode == 'full' -%}
        {{ drop_relation_if_exists(make_backup_relation(target_relation, 'table')) }}
    {%- endif -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
