services_up(){ :; }; services_down(){ :; }; services_status(){ :; }
