-- ops: what the last scan saw of each inbox file, so that unchanged files are not hashed again.

create table if not exists ops.inbox_index (
    original_path varchar not null,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    ctime_ns bigint not null,
    inode bigint not null,
    file_hash varchar not null
);
comment on table ops.inbox_index is 'Lần quét hộp thư gần nhất: tệp không đổi kích thước, thời gian và inode thì không cần băm lại / The last inbox scan: a file whose size, times and inode are unchanged is not hashed again';
comment on column ops.inbox_index.original_path is 'Đường dẫn trong hộp thư / Path inside the inbox';
comment on column ops.inbox_index.size_bytes is 'Kích thước (byte) / Size in bytes';
comment on column ops.inbox_index.mtime_ns is 'Thời điểm sửa đổi (ns) / Modification time (ns)';
comment on column ops.inbox_index.ctime_ns is 'Thời điểm thay đổi inode (ns): mọi lần ghi đều làm thay đổi / Inode change time (ns): every write changes it';
comment on column ops.inbox_index.inode is 'Số inode / Inode number';
comment on column ops.inbox_index.file_hash is 'SHA-256 của nội dung khi quét / SHA-256 of the content when scanned';
