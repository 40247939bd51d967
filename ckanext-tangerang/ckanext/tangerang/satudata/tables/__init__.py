"""Tables of Satu Data in CKAN's DataStore: reading uploads, typing columns, the load job."""
