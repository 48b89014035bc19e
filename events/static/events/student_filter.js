// The events changelist's student filter: choosing a student in the autocomplete
// reloads the list filtered by them (the other filters and the search kept).
'use strict';
window.addEventListener('load', function() {
    const $ = django.jQuery;
    $('select[data-student-filter]').on('change', function() {
        const params = new URLSearchParams(window.location.search);
        params.delete('p');
        if (this.value) {
            params.set(this.name, this.value);
        } else {
            params.delete(this.name);
        }
        window.location.search = params.toString();
    });
});
