{#- The files of `listing` not in `loaded`, each with the next file index;
    stops the build when a loaded file changed. -#}
{% macro new_raw_files(path, listing, loaded) -%}
    {%- set next_index = [loaded.values() | map(attribute='index') | max
        if loaded else 0] -%}
    {%- set new_files = [] -%}
    {%- for file in listing -%}
        {%- if file.name in loaded -%}
            {%- set then = loaded[file.name] -%}
            {%- if then.size != file.size or then.modified != file.modified -%}
                {{ exceptions.raise_compiler_error(
                    "Raw events file '" ~ file.name ~ "' changed since it was loaded ("
                    ~ then.size ~ " bytes, modified " ~ then.modified ~ " then; "
                    ~ file.size ~ " bytes, modified " ~ file.modified ~ " now). Its rows"
                    ~ " were counted as they were: run `dbt build --full-refresh`"
                    ~ " to count the file as it is now, or deliver new rows in a"
                    ~ " new file.") }}
            {%- endif -%}
        {%- else -%}
            {%- do next_index.append(next_index[-1] + 1) -%}
            {%- do new_files.append({'name': file.name, 'size': file.size,
                'modified': file.modified, 'index': next_index[-1],
                'rows': file.get('rows')}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if new_files | length == 0 -%}
        {{ log("No new raw events files under '" ~ path ~ "'", info=true) }}
    {%- else -%}
        {{ log("Loading " ~ new_files | length ~ " new raw events file(s) of "
            ~ listing | length ~ " under '" ~ path ~ "'", info=true) }}
    {%- endif -%}
    {{ return(new_files) }}
{%- endmacro %}
